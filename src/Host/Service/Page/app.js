// The live page: polls the service's read API, lists the runs, and draws the selected run's training curves,
// gradient health and events, or, with two or more runs ticked, their comparison (compare.js). The URL's hash holds
// the view (#run=3, #compare=1,2) so it can be shared. Each poll asks only for the gradient steps after the last
// one seen, so an update is small and the charts are fed, never rebuilt. When the service stops answering the last
// data stays on screen, marked stale. Starting, cancelling and uploading are in actions.js; a fleet's sweeps in sweeps.js.

import { ServiceError, getEvents, getGradients, getHealth, getRun, listRuns } from './api.js';
import { refreshDatasets, renderRunActions, setUpActions } from './actions.js';
import { LineChart, figure, lineOptions, setEmpty } from './charts.js';
import { CompareView } from './compare.js';
import { DetailCharts } from './detail.js';
import { HeatMap } from './heatmap.js';
import { SweepsPanel } from './sweeps.js';

// The service keeps a training run's newest 500 steps in memory; a fast run makes a few hundred steps a second,
// so the page polls every second. Steps it still misses show as gaps, and are filled from the store once the run ends.
const POLL_MS = 1000;
const KEEP_STEPS = 3000;   // steps held in the browser; older ones drop off the left of the step charts
const FIRST_READ = 2000;   // the newest steps fetched when a run is selected
const CLIP_WINDOW = 50;    // steps in the rolling clip rate
const EVENTS_MS = 5000;    // how often the selected run's event log is read again

const $ = (id) => document.getElementById(id);
const sweeps = new SweepsPanel();

const state = {
  runs: [],
  selected: null,   // { id, detail, stepsBack, steps, lastStep, charts }
  compare: null,    // a CompareView while two or more runs are ticked
  lastOk: null,
  failing: false,
};

// The demo's two runs: a fresh service opens with them compared, the LSTM keeping its gradient beside the RNN's vanishing.
const DEMO_RUNS = ['demo-lstm', 'demo-rnn-tanh'];

const HOW = {
  batchLoss: 'Mean loss of each mini-batch. It should trend down; a sudden jump or a gap (a non-finite step) is an explosion.',
  loss: 'Loss at the end of each epoch on the training set (blue) and the validation set (orange). Validation rising while training falls is overfitting.',
  accuracy: 'Accuracy per epoch, training and validation. Stuck at chance while the loss barely moves often means the gradient never reaches the early steps.',
  gradNorm: 'Global gradient norm of each step before clipping (log scale) and the clip threshold (dashed). Exploding: spikes orders of magnitude above the line. Vanishing: a norm that sinks and stays far below it.',
  clipRate: 'Share of the last 50 steps that were clipped; black dots mark non-finite steps (skipped). Near 1 for long means clipping does the training: exploding gradients or a threshold set too low.',
  vanishing: 'Blue: median log₁₀ of how much gradient reaches the first step relative to the last (−4 = one ten-thousandth). Far below 0 is vanishing. Green: memory horizon, the steps back the gradient stays above 1e-3 of its value at the loss.',
  heat: 'Each column is a training step, each row k steps back from the loss; colour is log₁₀ g_{T−k}/g_T. Vanishing: rows turn dark blue as k grows (an RNN forgets). Exploding: red. A healthy LSTM stays pale far back.',
};

function fmt(value, digits = 3) {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

// ---- the run list ----

function renderRuns() {
  const body = $('runs');
  body.replaceChildren(...state.runs.map((run) => {
    const row = document.createElement('tr');
    row.dataset.testid = 'run-row';
    row.dataset.runId = run.id;
    row.dataset.state = run.state;
    const compared = state.compare?.ids.includes(run.id) ?? false;
    if (state.selected?.id === run.id || compared) row.className = 'selected';
    const pick = document.createElement('td');
    pick.className = 'pick';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.dataset.testid = 'compare-pick';
    box.dataset.runId = String(run.id);
    // The run shown alone is ticked too, so ticking a second one compares the two.
    box.checked = compared || (state.compare === null && state.selected?.id === run.id);
    box.title = 'compare';
    pick.append(box);
    row.append(pick);
    const p = run.progress;
    const cells = [
      [String(run.id)],
      [run.name],
      [run.state, `state ${run.state}`],
      [run.state === 'queued' ? '—' : `${p.epoch}/${p.epochs}`],
      [fmt(run.latest?.loss), 'num'],
      [fmt(run.latest?.clip_rate, 2), 'num'],
      [fmt(run.latest?.log10_vanishing_ratio, 2), 'num'],
    ];
    cells.forEach(([text, cls], i) => {
      const td = document.createElement('td');
      if (i === 2) {
        const badge = document.createElement('span');
        badge.className = cls;
        badge.textContent = text;
        td.append(badge);
      } else {
        td.textContent = text;
        if (cls) td.className = cls;
      }
      if (i === 3 && p.fraction !== null) {
        const bar = document.createElement('progress');
        bar.max = 1;
        bar.value = p.fraction;
        td.prepend(bar, ' ');
      }
      row.append(td);
    });
    return row;
  }));
  $('runs-empty').hidden = state.runs.length > 0;
}

$('runs').addEventListener('click', (event) => {
  const box = event.target.closest('input[data-testid=compare-pick]');
  if (box) {
    // The URL holds the selection, so a comparison can be shared as a link.
    // Unticking the last run shows it alone (an empty hash would bring back the demo's comparison).
    const ticked = [...document.querySelectorAll('input[data-testid=compare-pick]:checked')].map((b) => Number(b.dataset.runId));
    location.hash = ticked.length >= 2 ? `compare=${ticked.join(',')}` : `run=${ticked[0] ?? box.dataset.runId}`;
    return;
  }
  const row = event.target.closest('tr[data-run-id]');
  if (row) location.hash = `run=${row.dataset.runId}`;
});
window.addEventListener('hashchange', () => {
  try {
    choose();
  } catch (error) {
    console.error(error);
    showBanner(`The page failed: ${error}`);
  }
  poll();
});

/** The runs to compare: from the URL, else the demo's pair when both exist and nothing else is asked for. */
function wantedComparison() {
  const fromHash = /compare=([\d,]+)/.exec(location.hash);
  if (fromHash) {
    const ids = fromHash[1].split(',').map(Number).filter((id) => state.runs.some((r) => r.id === id));
    return ids.length >= 2 ? ids : null;
  }
  if (location.hash) return null;
  const demo = DEMO_RUNS.map((name) => state.runs.find((r) => r.name === name));
  return demo.every(Boolean) ? demo.map((r) => r.id) : null;
}

function choose() {
  const ids = wantedComparison();
  if (ids) {
    if (state.compare?.ids.join() === ids.join()) return;
    select(null);
    state.compare?.destroy();
    state.compare = new CompareView(ids, $('charts'), $('legend'));
    $('run-title').textContent = state.compare.title;
    $('run-meta').textContent = 'Each run in its own colour; the x axis is the training step of each run.';
    return;
  }
  if (state.compare) {
    state.compare.destroy();
    state.compare = null;
    state.selected = null;
  }
  if (state.selected === null || location.hash) select(wantedRun());
}

function wantedRun() {
  const fromHash = /run=(\d+)/.exec(location.hash);
  const chosen = fromHash && state.runs.find((r) => r.id === Number(fromHash[1]));
  if (chosen) return chosen.id;
  // Without a (valid) choice: the run training now, else the newest that has data, else the newest.
  const running = state.runs.find((r) => r.state === 'running');
  if (running) return running.id;
  const newest = (runs) => (runs.length > 0 ? Math.max(...runs.map((r) => r.id)) : null);
  return newest(state.runs.filter((r) => r.state !== 'queued')) ?? newest(state.runs);
}

// ---- the selected run ----

function select(id) {
  if (state.selected?.id === id) return;
  state.selected?.charts?.forEach((chart) => chart.destroy?.()); // null until its first data arrived
  state.selected?.detailCharts?.destroy();
  $('charts').replaceChildren();
  state.selected = id === null ? null : { id, detail: null, stepsBack: [], steps: [], lastStep: 0, gaps: false, charts: null };
  $('run-title').textContent = id === null ? 'No run selected' : `Run ${id}`;
  $('run-meta').textContent = '';
  $('events-box').hidden = true;
  renderRunActions(null);
}

function buildCharts(run, detail) {
  const grid = $('charts');
  const options = lineOptions();
  const make = (key, title, wide) => new LineChart(figure(grid, key, title, HOW[key], wide), options[key]);
  const charts = new Map([
    ['gradNorm', make('gradNorm', 'Gradient norm per step')],
    ['clipRate', make('clipRate', 'Clip rate')],
    ['vanishing', make('vanishing', 'Vanishing ratio and memory horizon')],
    ['batchLoss', make('batchLoss', 'Batch loss per step')],
    ['loss', make('loss', 'Loss per epoch')],
    ['accuracy', make('accuracy', 'Accuracy per epoch')],
  ]);
  const heatFigure = figure(grid, 'heat', 'Temporal gradient profile (heat map)', HOW.heat, true);
  heatFigure.classList.add('heat');
  const heat = new HeatMap(heatFigure.querySelector('.plot'));
  heat.fig = heatFigure;
  charts.set('heat', heat);
  run.charts = charts;
  run.detailCharts = new DetailCharts(grid);
  run.detailCharts.onChange = () => draw(run);
}

function describe(detail) {
  const r = detail.request || {};
  const parts = [
    `${detail.cell.toUpperCase()}${r.hidden ? ` ${r.hidden} hidden` : ''}`,
    ...(detail.dilations ? [`dilations ${detail.dilations.join(', ')}`] : []),
    `data ${detail.data ?? `dataset ${detail.dataset_id}`}`,
    detail.clip_norm ? `clip norm ${detail.clip_norm}` : r.clip_value ? `clip value ${r.clip_value}` : 'no clipping',
    `step ${detail.progress.step}`,
    `epoch ${detail.progress.epoch}/${detail.progress.epochs}`,
    detail.state,
  ];
  if (detail.error) parts.push(`error: ${detail.error}`);
  return parts.join(' · ');
}

function rollingClipRate(rows) {
  const rates = [];
  const recent = [];
  let clipped = 0;
  for (const row of rows) {
    if (row.gap) { rates.push(null); continue; }
    recent.push(row.clipped ? 1 : 0);
    clipped += recent[recent.length - 1];
    if (recent.length > CLIP_WINDOW) clipped -= recent.shift();
    rates.push(clipped / recent.length);
  }
  return rates;
}

/** The steps with a gap row (all values null) wherever steps are missing, so lines break instead of bridging. */
function withGaps(steps) {
  const rows = [];
  steps.forEach((s, i) => {
    if (i > 0 && s.step > steps[i - 1].step + 1) rows.push({ step: steps[i - 1].step + 1, gap: true });
    rows.push(s);
  });
  return rows;
}

function draw(run) {
  const { detail, steps } = run;
  const rows = withGaps(steps);
  const x = rows.map((r) => r.step);
  const of = (key, keep = (v) => v) => rows.map((r) => (r.gap ? null : keep(r[key] ?? null)));
  const epochs = detail.epoch_history.map((e) => e.epoch);
  const epochSeries = (key) => detail.epoch_history.map((e) => e[key] ?? null);
  const positive = (v) => (v !== null && v > 0 ? v : null);
  const waiting = detail.state === 'queued' ? 'Queued: waiting for the worker.' : 'Waiting for the first step…';
  const c = run.charts;
  c.get('batchLoss').update([x, of('loss')], waiting);
  c.get('gradNorm').update([x, of('grad_norm', positive), rows.map(() => detail.clip_norm ?? null)], waiting);
  c.get('clipRate').update([x, rollingClipRate(rows), of('non_finite', (v) => (v ? 1 : null))], waiting);
  c.get('vanishing').update([x, of('log10_vanishing_ratio'), of('memory_horizon')], waiting);
  c.get('loss').update([epochs, epochSeries('train_loss'), epochSeries('valid_loss')], 'Appears when the first epoch ends.');
  c.get('accuracy').update([epochs, epochSeries('train_accuracy'), epochSeries('valid_accuracy')],
    epochs.length > 0 ? 'No accuracy: a regression task.' : 'Appears when the first epoch ends.');
  const heat = c.get('heat');
  heat.update(run.stepsBack, steps);
  const columns = steps.filter((s) => (s.profile_log10 || []).some((v) => v !== null)).length;
  heat.fig.dataset.pointCount = String(columns);
  setEmpty(heat.fig, columns === 0 ? waiting : null);
  run.detailCharts.update(x, rows, run.stepsBack, steps);
}

async function refreshSelected() {
  const run = state.selected;
  if (run === null) return;
  const [detail, gradients] = await Promise.all([
    getRun(run.id),
    getGradients(run.id, run.lastStep, run.lastStep === 0 ? FIRST_READ : KEEP_STEPS),
  ]);
  if (state.selected !== run) return; // the user picked another run while this poll was in flight
  run.detail = detail;
  run.stepsBack = gradients.steps_back;
  const fresh = gradients.steps.filter((s) => s.step > run.lastStep);
  if (fresh.length > 0) {
    run.gaps ||= run.lastStep > 0 && fresh[0].step > run.lastStep + 1;
    run.steps = run.steps.concat(fresh).slice(-KEEP_STEPS);
    run.lastStep = fresh[fresh.length - 1].step;
  }
  if (run.gaps && detail.state !== 'running' && detail.state !== 'queued') {
    // Ended: every step is in the store now, so one read replaces the gapped history.
    run.steps = (await getGradients(run.id, 0, KEEP_STEPS)).steps;
    run.gaps = false;
  }
  if (run.charts === null) buildCharts(run, detail);
  $('run-title').textContent = `Run ${detail.id}: ${detail.name}`;
  $('run-meta').textContent = describe(detail);
  renderRunActions(detail);
  draw(run);
  // The event log changes rarely: read it every few polls, and at once when the run's state changes.
  if (run.eventsState !== detail.state || Date.now() - (run.eventsAt ?? 0) > EVENTS_MS) {
    run.eventsState = detail.state;
    run.eventsAt = Date.now();
    renderEvents(await getEvents(run.id));
  }
}

function renderEvents(log) {
  $('events-box').hidden = false;
  $('events').replaceChildren(...log.events.map((e) => {
    const item = document.createElement('li');
    item.dataset.kind = e.kind;
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = e.kind;
    // A training event's message names its steps already; a lifecycle event gets its time.
    item.append(kind, e.at ? ` · ${new Date(e.at).toLocaleTimeString()} · ${e.message}` : ` · ${e.message}`);
    return item;
  }));
}

// ---- polling and the unreachable state ----

function setStale(stale) {
  document.querySelectorAll('figure.chart').forEach((fig) => { fig.dataset.stale = String(stale); });
}

function showHealthy() {
  state.failing = false;
  state.lastOk = new Date();
  $('banner').hidden = true;
  setStale(false);
  const status = $('status');
  status.className = 'status ok';
  status.textContent = `live · updated ${state.lastOk.toLocaleTimeString()}`;
}

async function showUnreachable(error) {
  state.failing = true;
  const since = state.lastOk ? `Showing the data received at ${state.lastOk.toLocaleTimeString()}` : 'No data received yet';
  // A service that answers but whose store does not (a fleet worker that lost its database, a full disk) says why
  // in /healthz; the user should see that, not a generic outage.
  const health = await getHealth().catch(() => null);
  const degraded = health?.status === 'degraded';
  const cause = degraded ? `The Recurrent service answers, but its store does not: ${health.store}` : `Cannot reach the Recurrent service (${error.message})`;
  showBanner(`${cause}. ${since}; charts are stale. Retrying every ${POLL_MS / 1000} s.`);
  const status = $('status');
  status.className = 'status down';
  status.textContent = degraded ? 'store unavailable' : 'service unreachable';
}

function showBanner(text) {
  const banner = $('banner');
  banner.textContent = text;
  banner.hidden = false;
  setStale(true);
}

let polling = false;

async function poll() {
  if (polling) return;
  polling = true;
  try {
    const { runs } = await listRuns();
    state.runs = runs;
    // Keep the run on screen while it goes from running to succeeded; choose again only when none is shown.
    choose();
    renderRuns();
    if (state.compare) await state.compare.refresh();
    else await refreshSelected();
    await refreshDatasets();
    await sweeps.refresh(state.selected?.id ?? null);
    showHealthy();
  } catch (error) {
    // A bug of the page's own is reported as such, not disguised as an outage.
    if (error instanceof ServiceError) await showUnreachable(error);
    else { console.error(error); showBanner(`The page failed: ${error}`); }
  } finally {
    polling = false;
  }
}

setUpActions({
  onStarted: (run) => { location.hash = `run=${run.id}`; },
  onChanged: () => poll(),
});

async function loop() {
  await poll();
  setTimeout(loop, POLL_MS);
}

loop();
