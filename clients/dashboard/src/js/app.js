// The dashboard page: sign-in, the identity of the token, hash routing
// between the views (#overview, #targets, #journey, #partner) and the
// filters they share.

import { apiGet, ApiError, tokenGet, tokenSet, tokenClear } from './api.js';
import { h, clear, setState, announce } from './dom.js';
import { destroyCharts } from './charts.js';
import { labelsLoad, label, codes } from './labels.js';
import { filtersFromForm } from './filters.js';
import * as overview from './views/overview.js';
import * as targets from './views/targets.js';
import * as journey from './views/journey.js';
import * as partner from './views/partner.js';

const VIEWS = { overview, targets, journey, partner };
const FILTERED = new Set(['overview', 'partner']);

// What every view may read: who the token is, partner names, the filters.
const ctx = { me: null, isPublic: false, partners: new Map(), filters: {} };
let generation = 0; // the latest route; an older one's answers are dropped
let moveFocus = false; // after a change of view, focus goes to its heading
let currentView = null; // the view shown, null while signed out

function el(id) {
  return document.getElementById(id);
}

// GET /v1/me. Public credentials may not read it (403), so a 403 followed
// by a statistics answer means a public token: statistics only.
async function identify() {
  try {
    ctx.me = await apiGet('me');
    ctx.isPublic = ctx.me.roles.includes('public');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 403) throw err;
    await apiGet('stats/reports', { group: 'year' });
    ctx.me = { partner: null, partnership: null, roles: ['public'] };
    ctx.isPublic = true;
  }
  if (!ctx.isPublic) {
    try {
      const answer = await apiGet('partners');
      for (const p of answer.partners) ctx.partners.set(p.id, p.name);
    } catch {
      // Names are a nicety: the views fall back to "partner 3".
    }
  }
}

function showSignedIn(signedIn) {
  el('signin').hidden = signedIn;
  el('nav').hidden = !signedIn;
  el('signout').hidden = !signedIn;
  el('whoami').hidden = !signedIn;
  if (!signedIn) {
    el('filters').hidden = true;
    for (const name of Object.keys(VIEWS)) el('view-' + name).hidden = true;
  }
}

function showSignin(message) {
  destroyCharts();
  currentView = null;
  ctx.me = null;
  showSignedIn(false);
  const error = el('signin-error');
  error.hidden = !message;
  error.textContent = message || '';
  announce('');
  setState('signin');
  el('signin-token').focus();
}

function whoamiText() {
  if (ctx.isPublic) return 'Public credential: disclosure-controlled statistics only';
  const me = ctx.me;
  const who = me.partner ? me.partner.name : 'Partnership credential';
  return who + ' (' + me.roles.join(', ') + ') · ' + me.partnership.name;
}

async function route() {
  // An in-page anchor (the skip link's #main) is not a route: stay put.
  const asked = location.hash.replace(/^#/, '');
  if (asked && !VIEWS[asked] && currentView && ctx.me) return;
  const mine = ++generation;
  if (!tokenGet()) return showSignin();
  if (!ctx.me) {
    setState('loading');
    try {
      await identify();
    } catch (err) {
      if (mine !== generation) return;
      // A refused token is forgotten; one that met a network or server
      // failure is kept, so reloading the page tries it again.
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) tokenClear();
      return showSignin(signinMessage(err));
    }
    if (mine !== generation) return;
  }
  showSignedIn(true);
  el('whoami').textContent = whoamiText();

  const name = VIEWS[asked] ? asked : 'overview';
  currentView = name;
  for (const other of Object.keys(VIEWS)) el('view-' + other).hidden = other !== name;
  for (const link of el('nav').querySelectorAll('a')) {
    if (link.getAttribute('href') === '#' + name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  el('filters').hidden = !FILTERED.has(name);

  const content = el('view-' + name).querySelector('.content');
  setState('loading');
  announce('Loading…');
  let data;
  try {
    data = await VIEWS[name].load(ctx);
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof ApiError && err.status === 401) {
      tokenClear();
      return showSignin('Your session has ended: the token is no longer accepted. Sign in again.');
    }
    destroyCharts();
    clear(content);
    announce('This view could not be loaded.', err.detail || err.message);
    setState('error');
    return;
  }
  if (mine !== generation) return;
  destroyCharts();
  clear(content);
  try {
    VIEWS[name].draw(content, data, ctx);
  } catch (err) {
    // An answer of a shape this page does not know: say so, not a blank.
    announce('This view could not be drawn.', err.message);
    setState('error');
    return;
  }
  announce('');
  setState('ready');
  // A screen reader user who followed a link hears where they arrived.
  if (moveFocus) el('h-' + name).focus();
  moveFocus = false;
  if (name === 'overview' && !performance.getEntriesByName('dashboard-rendered').length) {
    performance.mark('dashboard-rendered');
  }
}

function signinMessage(err) {
  if (err instanceof ApiError && err.status === 401) {
    return 'That token was not accepted: it may be mistyped, expired or revoked.';
  }
  if (err instanceof ApiError && err.status === 403) {
    return 'This credential may not read the dashboard (it needs the read role, or to be a public credential).';
  }
  return 'Sign-in failed: ' + (err.detail || err.message);
}

function setupFilters() {
  const strand = el('filter-strand');
  for (const code of codes('strand')) strand.appendChild(h('option', { value: code }, label('strand', code)));
  el('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    const result = filtersFromForm(el('filters'));
    if (result.error) {
      announce('Filters not applied.', result.error);
      setState('error');
      return;
    }
    ctx.filters = result.filters;
    route();
  });
}

// The areas the joint statistics name, offered in the area field.
async function loadAreas() {
  try {
    const answer = await apiGet('stats/reports', { group: 'area', from: String(new Date().getFullYear() - 9), to: String(new Date().getFullYear()) });
    const list = el('area-list');
    clear(list);
    for (const cell of answer.cells || []) list.appendChild(h('option', { value: cell.area }));
  } catch {
    // Free text still works.
  }
}

async function start() {
  await labelsLoad();
  setupFilters();
  el('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = el('signin-token').value.trim();
    if (!value) return;
    el('signin-token').value = '';
    tokenSet(value);
    ctx.me = null;
    route().then(() => {
      if (ctx.me) loadAreas();
    });
  });
  el('signout').addEventListener('click', () => {
    tokenClear();
    ctx.me = null;
    ctx.partners.clear();
    showSignin();
  });
  window.addEventListener('hashchange', () => {
    moveFocus = true;
    route();
  });
  await route();
  if (ctx.me) loadAreas();
}

start();
