// Small DOM helpers. Every text from the API goes in through textContent
// (text nodes), never innerHTML, so no API string is ever parsed as markup.

// h('p', { class: 'x', testid: 'y' }, 'text', childNode, ...): an element.
// `testid` becomes data-testid; `dataset` an object of data-* values;
// a false/null attribute is left out; strings and numbers become text.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'testid') el.dataset.testid = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'class') el.className = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

// The page's state for people and for the browser tests:
// signin | loading | ready | error.
export function setState(state) {
  document.body.dataset.state = state;
}

// The aria-live region: a short message, and the API's detail on errors.
export function announce(message, detail) {
  const status = document.getElementById('status');
  if (!status) return;
  clear(status);
  if (!message) return;
  status.appendChild(h('span', {}, message));
  if (detail) status.appendChild(h('span', { testid: 'error-detail', class: 'error' }, ' ' + detail));
}

// "1,234" in British English; one place so every number reads alike.
const integer = new Intl.NumberFormat('en-GB');
const decimal = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });

export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '';
  return Number.isInteger(value) ? integer.format(value) : decimal.format(value);
}

export function formatShare(value) {
  if (value === null || value === undefined) return '';
  return decimal.format(value * 100) + '%';
}
