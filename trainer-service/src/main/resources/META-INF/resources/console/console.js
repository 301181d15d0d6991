// Streamtune model console: versions, training curves, gate metrics, serving and drift of one model, drawn from the
// trainer's REST API. Everything from the API is put in the page as text (never as HTML): labels and reasons come from
// users' data.
'use strict';

const REFRESH_MS = 15000;
const charts = {};
let token = null;
let selectedVersion = null;
let lastData = null;

function readToken() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('token')) {
    sessionStorage.setItem('streamtune.token', hash.get('token'));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem('streamtune.token');
}

async function api(path) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const response = await fetch(path, { headers });
  if (response.status === 401 || response.status === 403) {
    const error = new Error(response.status === 401
      ? 'The trainer wants a bearer token with the viewer or operator role.'
      : 'This token has neither the viewer nor the operator role.');
    error.auth = true;
    throw error;
  }
  if (!response.ok) throw new Error(path + ' answered ' + response.status);
  return response.json();
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells, className) {
  const tr = el('tr', null, className);
  cells.forEach(c => tr.appendChild(c instanceof Node ? c : el('td', c)));
  return tr;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

const fmt = {
  num: (v, digits = 3) => (v === null || v === undefined || Number.isNaN(v)) ? '–' : Number(v).toFixed(digits),
  time: ts => ts ? new Date(ts).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–',
};

function chart(id) {
  if (!charts[id]) {
    charts[id] = echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
  }
  return charts[id];
}

/** Draws a chart; the container records how many points it drew and that its canvas was painted (for tests). */
function draw(id, option, points) {
  const container = document.getElementById(id);
  container.dataset.points = String(points);
  const c = chart(id);
  const base = {
    animation: false,
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    grid: { left: 55, right: 30, top: 60, bottom: 40 },
    graphic: points > 0 ? [] : [{ type: 'text', left: 'center', top: 'middle',
      style: { text: 'no data yet', fill: '#888', fontSize: 14 } }],
  };
  if (option.legend) option.legend = Object.assign({ top: 26, right: 10 }, option.legend, { top: 26 });
  c.setOption(Object.assign(base, option), true);
  const canvas = container.querySelector('canvas');
  container.dataset.painted = String(canvas !== null && painted(canvas));
}

function painted(canvas) {
  try {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
  } catch (e) { /* a tainted canvas cannot be read back */ }
  return false;
}

function runOfVersion(history, version) {
  const validation = history.validations.filter(v => v.candidateVersion === version).pop();
  return validation ? validation : null;
}

function renderSummary(status, models) {
  document.getElementById('model').textContent = status.model;
  const live = models.find(m => m.live);
  const summary = document.getElementById('summary');
  const parts = [
    'LIVE: ' + (live ? 'v' + live.version : 'none'),
    'examples: ' + (status.dataset ? status.dataset.examples : '–'),
    'unseen changes: ' + (status.dataset ? status.dataset.unseenChanges : '–'),
    status.running ? 'training: ' + (status.progress ? status.progress.phase + ' epoch ' + status.progress.epoch
      + '/' + status.progress.epochs + ' step ' + status.progress.step + '/' + status.progress.steps : 'starting')
      : 'next run: ' + (status.nextRun || '–'),
  ];
  summary.replaceChildren(...parts.map(p => el('span', p)));
}

function renderVersions(models, history) {
  const byVersion = new Map(models.map(m => [m.version, m]));
  const rows = [];
  // candidates the gate rejected have a version number but no registry record: they come from validation events
  history.validations.filter(v => !v.accepted && !byVersion.has(v.candidateVersion)).forEach(v => {
    byVersion.set(v.candidateVersion, {
      version: v.candidateVersion, status: 'REJECTED', live: false, createdAt: v.ts, reasons: v.reasons,
      testAccuracy: v.candidateTest ? v.candidateTest.accuracy : null,
      testMacroF1: v.candidateTest ? v.candidateTest.macroF1 : null,
      validationMacroF1: v.candidateValidation ? v.candidateValidation.macroF1 : null,
    });
  });
  const versions = [...byVersion.values()].sort((a, b) => b.version - a.version);
  versions.forEach(m => {
    const status = m.status + (m.live && m.status !== 'LIVE' ? ' · LIVE' : '') + (m.rollback ? ' · rollback' : '');
    const cls = m.live ? 'live' : (m.status === 'REJECTED' || m.status === 'FAILED' ? 'rejected' : '');
    rows.push(row(['v' + m.version, status, fmt.time(m.createdAt), fmt.num(m.testAccuracy), fmt.num(m.testMacroF1),
      fmt.num(m.validationMacroF1), (m.reasons || []).join('; ')], cls));
  });
  fill(document.querySelector('#versions tbody'), rows);

  const select = document.getElementById('version-select');
  const live = versions.find(m => m.live);
  if (selectedVersion === null || !byVersion.has(selectedVersion)) {
    selectedVersion = live ? live.version : (versions.length ? versions[0].version : null);
  }
  select.replaceChildren(...versions.map(m => {
    const option = el('option', 'v' + m.version + (m.live ? ' (LIVE)' : m.status === 'REJECTED' ? ' (rejected)' : ''));
    option.value = String(m.version);
    if (m.version === selectedVersion) option.setAttribute('selected', '');
    return option;
  }));

  // the timeline: published, rejected, rollbacks and swaps over time
  const series = [
    { name: 'published', color: '#2f7de1', data: models.filter(m => m.status !== 'FAILED' && !m.rollback)
        .map(m => [m.createdAt, m.version]) },
    { name: 'rejected', color: '#d9534f', data: history.validations.filter(v => !v.accepted)
        .map(v => [v.ts, v.candidateVersion]) },
    { name: 'rollback / promote', color: '#f0ad4e', data: history.audits
        .filter(a => a.outcome === 'accepted' && a.version !== null).map(a => [a.ts, a.version]) },
    { name: 'swap', color: '#3c9d5d', data: history.swaps.map(s => [s.ts, s.toVersion]) },
  ];
  draw('timeline-chart', {
    title: { text: 'versions over time', textStyle: { fontSize: 13 } },
    legend: { top: 5, right: 10 },
    tooltip: { trigger: 'item', renderMode: 'richText' },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: 'version', minInterval: 1, scale: true },
    series: series.map(s => ({ name: s.name, type: 'scatter', symbolSize: 10, itemStyle: { color: s.color },
      data: s.data })),
  }, series.reduce((n, s) => n + s.data.length, 0));
  return versions;
}

function renderVersionDetail(history) {
  const note = document.getElementById('version-note');
  const validation = selectedVersion === null ? null : runOfVersion(history, selectedVersion);
  const epochs = validation ? (history.epochsByRun[validation.runId] || []) : [];
  note.textContent = validation
    ? 'Run ' + validation.runId + (validation.accepted ? ', accepted by the gate' : ', rejected: '
      + validation.reasons.join('; ')) + (validation.championVersion ? ' (compared with v'
      + validation.championVersion + ')' : '') + '. Test-split metrics below.'
    : 'No gate record of this version on the monitoring topic (older than its retention, or published by hand).';

  const x = epochs.map(e => e.epoch);
  const curve = (name, values) => ({ name, type: 'line', data: values, showSymbol: true });
  draw('loss-chart', {
    title: { text: 'loss per epoch', textStyle: { fontSize: 13 } },
    legend: { top: 5, right: 10 },
    xAxis: { type: 'category', name: 'epoch', nameLocation: 'center', nameGap: 25, data: x },
    yAxis: { type: 'value', scale: true },
    series: [curve('train', epochs.map(e => e.trainLoss)), curve('validation', epochs.map(e => e.validationLoss))],
  }, epochs.length * 2);
  draw('accuracy-chart', {
    title: { text: 'accuracy per epoch', textStyle: { fontSize: 13 } },
    legend: { top: 5, right: 10 },
    xAxis: { type: 'category', name: 'epoch', nameLocation: 'center', nameGap: 25, data: x },
    yAxis: { type: 'value', min: 0, max: 1 },
    series: [curve('train', epochs.map(e => e.trainAccuracy)),
      curve('validation', epochs.map(e => e.validationAccuracy)),
      curve('validation macro-F1', epochs.map(e => e.validationMacroF1))],
  }, epochs.length * 3);

  const metrics = validation ? (validation.candidateTest || validation.candidateValidation) : null;
  const labels = metrics ? metrics.labels : [];
  const cells = [];
  let max = 1;
  if (metrics) {
    metrics.confusion.forEach((rowCounts, t) => rowCounts.forEach((count, p) => {
      cells.push([p, t, count]);
      max = Math.max(max, count);
    }));
  }
  draw('confusion-chart', {
    title: { text: 'confusion matrix (rows: true, columns: predicted)', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'item', renderMode: 'richText' },
    grid: { left: 110, right: 30, top: 40, bottom: 70 },
    xAxis: { type: 'category', data: labels, name: 'predicted', nameLocation: 'center', nameGap: 50,
      axisLabel: { rotate: 30 } },
    yAxis: { type: 'category', data: labels, inverse: true },
    visualMap: { min: 0, max, show: false, inRange: { color: ['#f4f7fb', '#1f5fae'] } },
    series: [{ type: 'heatmap', data: cells, label: { show: true } }],
  }, cells.length);

  const perClass = metrics ? labels.map(l => metrics.perClass[l] || {}) : [];
  draw('per-class-chart', {
    title: { text: 'per class', textStyle: { fontSize: 13 } },
    legend: { top: 5, right: 10 },
    xAxis: { type: 'category', data: labels, axisLabel: { rotate: 30 } },
    yAxis: { type: 'value', min: 0, max: 1 },
    series: ['precision', 'recall', 'f1'].map(k => ({ name: k, type: 'bar', data: perClass.map(c => c[k]) })),
  }, perClass.length * 3);

  const calibration = [];
  if (validation) {
    [['candidate, test split', validation.candidateTest], ['candidate, validation split', validation.candidateValidation],
      ['champion, test split', validation.championTest]].forEach(([name, m]) => {
      if (m) calibration.push(row([name, 'accuracy ' + fmt.num(m.accuracy), 'macro-F1 ' + fmt.num(m.macroF1),
        'loss ' + fmt.num(m.loss), 'expected calibration error ' + fmt.num(m.expectedCalibrationError),
        m.examples + ' examples']));
    });
  }
  fill(document.querySelector('#calibration tbody'), calibration);
}

function renderServing(history) {
  const instances = [...new Set(history.drift.map(d => d.instance))];
  const perInstance = instances.map(instance => history.drift.filter(d => d.instance === instance));
  const seconds = d => Math.max(1, (Date.parse(d.windowEnd) - Date.parse(d.windowStart)) / 1000);
  draw('throughput-chart', {
    title: { text: 'classified per second (drift windows)', textStyle: { fontSize: 13 } },
    legend: { top: 5, right: 10 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value' },
    series: perInstance.map((windows, i) => ({ name: instances[i] || 'instance', type: 'line', showSymbol: false,
      data: windows.map(d => [d.windowEnd, d.count / seconds(d)]) })),
  }, history.drift.length);
  draw('confidence-chart', {
    title: { text: 'confidence', textStyle: { fontSize: 13 } },
    legend: { top: 5, right: 10 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', min: 0, max: 1 },
    series: [
      { name: 'mean confidence', type: 'line', showSymbol: false,
        data: history.drift.map(d => [d.windowEnd, d.meanConfidence]) },
      { name: 'low-confidence rate', type: 'line', showSymbol: false,
        data: history.drift.map(d => [d.windowEnd, d.lowConfidenceRate]) },
    ],
  }, history.drift.length * 2);
  const latest = new Map();
  history.swaps.forEach(s => latest.set(s.instance, s));
  fill(document.querySelector('#instances tbody'), [...latest.values()].map(s =>
    row([s.instance, 'v' + s.toVersion + (s.rollback ? ' (rollback)' : ''), fmt.time(s.ts), s.loadMillis + ' ms'])));
}

function renderDrift(history) {
  const breached = history.drift.filter(d => d.breached);
  draw('drift-chart', {
    title: { text: 'drift per window', textStyle: { fontSize: 13 } },
    legend: { top: 5, right: 10 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: 'PSI' },
    series: [
      { name: 'label PSI', type: 'line', showSymbol: false, data: history.drift.map(d => [d.windowEnd, d.labelPsi]) },
      { name: 'token-length PSI', type: 'line', showSymbol: false,
        data: history.drift.map(d => [d.windowEnd, d.tokenLengthPsi]) },
      { name: 'breached', type: 'scatter', symbolSize: 9, itemStyle: { color: '#d9534f' },
        data: breached.map(d => [d.windowEnd, d.labelPsi]) },
    ],
  }, history.drift.length * 2 + breached.length);

  const events = [
    ...history.alerts.map(a => [a.ts, 'alert: ' + a.kind, a.version, a.severity + ': ' + a.message]),
    ...history.errors.map(e => [e.ts, 'error: ' + e.component, e.version, e.message]),
    ...history.audits.map(a => [a.ts, a.action + ' (' + a.outcome + ')', a.version, (a.actor || '') + ': '
      + (a.message || a.reason || '')]),
    ...history.swaps.map(s => [s.ts, 'swap', s.toVersion, s.instance + ' loaded it in ' + s.loadMillis + ' ms']),
    ...history.validations.map(v => [v.ts, v.accepted ? 'gate: accepted' : 'gate: rejected', v.candidateVersion,
      v.reasons.join('; ')]),
  ].sort((a, b) => Date.parse(b[0]) - Date.parse(a[0])).slice(0, 200);
  fill(document.querySelector('#events tbody'), events.map(e =>
    row([fmt.time(e[0]), e[1], e[2] === null || e[2] === undefined ? '–' : 'v' + e[2], e[3]])));
}

async function refresh() {
  const message = document.getElementById('message');
  try {
    const [status, models, console] = await Promise.all(
      [api('/trainer/status'), api('/trainer/models'), api('/trainer/console/history')]);
    lastData = { status, models, history: console.history };
    render();
    message.textContent = console.history.caughtUp ? ''
      : 'Still reading the monitoring topic: the history is not complete yet.';
    document.getElementById('login').hidden = true;
    document.body.dataset.state = 'ready';
  } catch (e) {
    message.textContent = e.message;
    if (e.auth) {
      document.getElementById('login').hidden = false;
      document.body.dataset.state = 'unauthorized';
    } else {
      document.body.dataset.state = 'error';
    }
  }
}

function render() {
  if (!lastData) return;
  const { status, models, history } = lastData;
  renderSummary(status, models);
  renderVersions(models, history);
  renderVersionDetail(history);
  renderServing(history);
  renderDrift(history);
}

document.addEventListener('DOMContentLoaded', () => {
  token = readToken();
  document.getElementById('login').addEventListener('submit', event => {
    event.preventDefault();
    token = document.getElementById('token').value.trim();
    sessionStorage.setItem('streamtune.token', token);
    refresh();
  });
  document.getElementById('version-select').addEventListener('change', event => {
    selectedVersion = Number(event.target.value);
    render();
  });
  window.addEventListener('resize', () => Object.values(charts).forEach(c => c.resize()));
  refresh();
  setInterval(refresh, REFRESH_MS);
});
