// Charts with Chart.js (window.Chart, from vendor/chart.umd.min.js). Every
// chart sits in a <figure> with its table alternative; colours are the
// Okabe-Ito palette (distinguishable with the common colour-vision
// deficiencies) and lines also differ by point shape and dash, so no series
// is told apart by colour alone.

import { h, formatNumber } from './dom.js';
import { scrollBox } from './table.js';

export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#F0E442'];
const POINT_STYLES = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot', 'cross', 'rectRounded'];
const DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3], [], [6, 3], [2, 2], [8, 3, 2, 3]];

// Charts drawn in the current view, destroyed before it is drawn again.
const live = new Set();

export function destroyCharts() {
  for (const chart of live) chart.destroy();
  live.clear();
}

function make(canvas, config) {
  const Chart = window.Chart;
  if (!Chart) throw new Error('Chart.js did not load');
  // No animation: the chart is complete when the constructor returns, which
  // is what the "dashboard-rendered" mark means, and motion helps no one here.
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
  const chart = new Chart(canvas, config);
  live.add(chart);
  return chart;
}

// <figure testid=chart-NAME> with a caption, the canvas (an image to
// assistive technology, which reads the table instead) and
// <details testid=table-NAME> around the table.
export function chartFigure(name, title, table, { tall = false, open = false } = {}) {
  const canvas = h('canvas', { role: 'img', 'aria-label': title + '. The figures are in the table below the chart.' });
  const figure = h('figure', { testid: 'chart-' + name, class: 'chart' },
    h('figcaption', {}, title),
    h('div', { class: tall ? 'chart-box tall' : 'chart-box' }, canvas),
    h('details', { testid: 'table-' + name, open }, h('summary', {}, 'Table: ' + title), scrollBox(table)));
  return { figure, canvas };
}

function tooltipNumber(ctx) {
  const v = ctx.parsed[ctx.chart.options.indexAxis === 'y' ? 'x' : 'y'];
  return ctx.dataset.label + ': ' + (v === null || v === undefined ? 'suppressed' : formatNumber(v));
}

// Series over time: labels along x, one line per dataset; null is a gap.
export function lineChart(canvas, labels, datasets, yTitle) {
  return make(canvas, {
    type: 'line',
    data: {
      labels,
      datasets: datasets.map((d, i) => ({
        label: d.label,
        data: d.data,
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: PALETTE[i % PALETTE.length],
        pointStyle: POINT_STYLES[i % POINT_STYLES.length],
        borderDash: DASHES[i % DASHES.length],
        pointRadius: 3,
        spanGaps: false,
      })),
    },
    options: {
      scales: { y: { beginAtZero: true, title: { display: !!yTitle, text: yTitle } } },
      plugins: { tooltip: { callbacks: { label: tooltipNumber } } },
    },
  });
}

// Bars: one dataset per entry of `datasets`; horizontal keeps long category
// names readable on a phone.
export function barChart(canvas, labels, datasets, { horizontal = false, stacked = false, title } = {}) {
  const valueAxis = horizontal ? 'x' : 'y';
  const scales = { x: { stacked }, y: { stacked } };
  scales[valueAxis].beginAtZero = true;
  scales[valueAxis].title = { display: !!title, text: title };
  return make(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: datasets.map((d, i) => ({
        label: d.label,
        data: d.data,
        backgroundColor: d.color || PALETTE[i % PALETTE.length],
        borderColor: '#000',
        borderWidth: 1,
      })),
    },
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      scales,
      plugins: { legend: { display: datasets.length > 1 }, tooltip: { callbacks: { label: tooltipNumber } } },
    },
  });
}

// Estimates with 95 % intervals, one row per group (horizontal, so group
// names stay readable on a phone). Chart.js has no error bars, so the
// interval is a floating bar [lo, hi] and the estimate a point on it; a
// reference (e.g. ratio 1) is a dashed vertical line. Groups without an
// estimate have neither (the table says why).
export function intervalChart(canvas, labels, points, { valueLabel, reference } = {}) {
  const datasets = [
    {
      type: 'bar',
      label: '95% interval',
      data: points.map((p) => (p ? [p.lo, p.hi] : null)),
      backgroundColor: 'rgba(86, 180, 233, 0.45)',
      borderColor: '#0072B2',
      borderWidth: 1,
      barPercentage: 0.6,
      grouped: false,
    },
    {
      type: 'line',
      indexAxis: 'y',
      label: valueLabel,
      data: points.map((p) => (p ? p.value : null)),
      showLine: false,
      pointStyle: 'rectRot',
      pointRadius: 6,
      borderColor: '#000000',
      backgroundColor: '#E69F00',
    },
  ];
  if (reference !== undefined) {
    datasets.push({
      type: 'line',
      indexAxis: 'y',
      label: 'Reference (' + reference + ')',
      data: labels.map(() => reference),
      pointRadius: 0,
      borderColor: '#D55E00',
      borderDash: [6, 4],
      borderWidth: 2,
    });
  }
  return make(canvas, {
    type: 'bar',
    data: { labels, datasets },
    options: {
      indexAxis: 'y',
      scales: { x: { beginAtZero: true } },
      plugins: {
        tooltip: {
          callbacks: {
            label(ctx) {
              const raw = ctx.raw;
              if (Array.isArray(raw)) return '95% interval: ' + formatNumber(raw[0]) + ' to ' + formatNumber(raw[1]);
              return ctx.dataset.label + ': ' + formatNumber(raw);
            },
          },
        },
      },
    },
  });
}

// A sparkline: a small line without axes or legend; null is a gap.
export function sparkline(canvas, labels, values, color) {
  return make(canvas, {
    type: 'line',
    data: {
      labels,
      datasets: [{ data: values, borderColor: color || PALETTE[0], backgroundColor: color || PALETTE[0], pointRadius: 2, borderWidth: 2, spanGaps: false }],
    },
    options: {
      events: [],
      scales: { x: { display: false }, y: { display: false } },
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
    },
  });
}
