// One figure per chart: a title, a line saying how to read it, and the plot. The figure carries the hooks the
// browser tests read: data-point-count (points of the fullest series drawn now), data-series-points (each series'
// points), data-ticks (the tick labels) and data-stale.

/* global uPlot */

import { axisSize, linearValues, logSplits, logValues, mirrorTicks, readout } from './axes.js';

const HEIGHT = 200;

export function figure(parent, id, title, how, wide = false) {
  const fig = document.createElement('figure');
  fig.className = wide ? 'chart wide' : 'chart';
  fig.dataset.testid = `chart-${id}`;
  fig.dataset.pointCount = '0';
  fig.dataset.stale = 'false';
  fig.innerHTML = '<figcaption><h3></h3><p class="how"></p></figcaption><div class="plot"></div><div class="empty"></div>';
  fig.querySelector('h3').textContent = title;
  fig.querySelector('.how').textContent = how;
  parent.append(fig);
  return fig;
}

export function setEmpty(fig, text) {
  const empty = fig.querySelector('.empty');
  empty.textContent = text ?? '';
  empty.hidden = !text;
}

/** A uPlot line chart created on its first data and fed with setData after that, so updates never rebuild it. */
export class LineChart {
  constructor(fig, options) {
    this.fig = fig;
    this.options = options;
    this.plot = null;
    this.host = fig.querySelector('.plot');
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT })).observe(this.host);
  }

  width() {
    return Math.max(200, this.host.clientWidth);
  }

  update(data, emptyText) {
    // The points of the fullest series: the main line of one run, the longest run's line when runs are compared.
    const counts = data.slice(1).map((ys) => ys.filter((v) => v !== null && v !== undefined).length);
    const count = Math.max(0, ...counts);
    this.fig.dataset.pointCount = String(count);
    this.fig.dataset.seriesPoints = JSON.stringify(counts);
    setEmpty(this.fig, count === 0 ? emptyText : null);
    if (count === 0 && !this.plot) return;
    if (!this.plot) {
      const hooks = { ...this.options.hooks, draw: [...(this.options.hooks?.draw ?? []), mirrorTicks(this.fig)] };
      this.plot = new uPlot({ ...this.options, hooks, width: this.width(), height: HEIGHT }, data, this.host);
    } else {
      this.plot.setData(data);
    }
  }

  destroy() {
    this.plot?.destroy();
  }
}

// No spanGaps: a null is a step the page never received (see app.js), and a line drawn across it would invent data.
// Legend and hover read-outs keep three significant digits, so a norm of 2e-6 does not read as 0.
const line = (label, stroke, extra = {}) => ({ label, stroke, width: 1.5, points: { show: false }, value: (u, v) => readout(v), ...extra });
const dots = (label, stroke, extra = {}) => ({ label, stroke, width: 2, points: { show: true, size: 7, fill: stroke }, value: (u, v) => readout(v), ...extra });
// A share in [0, 1], with a little room at both ends: a line at exactly 0 or 1 (no step clipped, every step
// clipped, perfect accuracy) would otherwise run along the frame and lose half its stroke to the clip.
const share = { range: () => [-0.03, 1.03] };
const FONT = '11px system-ui, sans-serif';
const LABEL = { labelSize: 18, labelFont: `600 ${FONT}`, font: FONT };
const stepAxis = { ...LABEL, label: 'training step (optimizer updates)', size: 36, values: linearValues };
const epochAxis = { ...LABEL, label: 'epoch (passes over the training set)', size: 36, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] };
/** A y axis with its title (unit in brackets), as wide as its labels. */
const yAxis = (label, extra = {}) => ({ ...LABEL, label, size: axisSize(FONT), space: 24, values: linearValues, ...extra });
// The filter keeps every split: logSplits already chose the ones worth a label (uPlot's own filter would drop 2 and 5).
const logAxis = (label, extra = {}) => yAxis(label, { splits: logSplits, values: logValues, filter: (u, splits) => splits, ...extra });

export const colours = { train: '#2563eb', valid: '#ea580c', threshold: '#dc2626', horizon: '#059669', bad: '#111827' };
/** One colour per compared run, in selection order; distinct for colour-blind readers in the first four. */
export const runColours = ['#2563eb', '#dc2626', '#059669', '#7c3aed', '#d97706', '#0891b2', '#db2777', '#4b5563'];

const AXIS_TITLES = {
  gradNorm: '‖g‖ pre-clip (L2, log)',
  clipRate: 'clipped share (0–1)',
  vanishing: 'log₁₀ g₁/g_T (decades)',
  horizon: 'horizon (steps back)',
  batchLoss: 'loss (per sequence)',
  loss: 'loss (per sequence)',
  accuracy: 'accuracy (0–1)',
};

/**
 * The epoch axis spans the epochs ended so far (at least one), not the epochs planned: a run planned for 600
 * epochs at epoch 15 shows its 15 points across the chart rather than squeezed into its first fortieth.
 */
const epochScale = { time: false, range: (u, min, max) => [0.5, Math.max(1, max ?? 1) + 0.5] };

/** The uPlot options of each line chart. */
export function lineOptions() {
  return {
    batchLoss: {
      scales: { x: { time: false } },
      series: [{ label: 'step' }, line('batch loss', colours.train)],
      axes: [stepAxis, yAxis(AXIS_TITLES.batchLoss)],
    },
    loss: {
      scales: { x: epochScale },
      series: [{ label: 'epoch' }, dots('train loss', colours.train), dots('validation loss', colours.valid)],
      axes: [epochAxis, yAxis(AXIS_TITLES.loss)],
    },
    accuracy: {
      scales: { x: epochScale, y: share },
      series: [{ label: 'epoch' }, dots('train accuracy', colours.train), dots('validation accuracy', colours.valid)],
      axes: [epochAxis, yAxis(AXIS_TITLES.accuracy)],
    },
    gradNorm: {
      // Log scale: an explosion is orders of magnitude, and the threshold stays readable beside it.
      scales: { x: { time: false }, y: { distr: 3 } },
      series: [{ label: 'step' }, line('‖g‖ before clipping', colours.train, { width: 1 }),
        line('clip threshold', colours.threshold, { dash: [6, 4] })],
      axes: [stepAxis, logAxis(AXIS_TITLES.gradNorm)],
    },
    clipRate: {
      scales: { x: { time: false }, y: share },
      series: [{ label: 'step' }, line('clip rate (last 50 steps)', colours.threshold),
        { label: 'non-finite step', stroke: colours.bad, width: 0, points: { show: true, size: 6, fill: colours.bad } }],
      axes: [stepAxis, yAxis(AXIS_TITLES.clipRate)],
    },
    vanishing: {
      scales: { x: { time: false }, ratio: {}, horizon: {} },
      series: [{ label: 'step' }, line('log₁₀ g₁/g_T', colours.train, { scale: 'ratio' }),
        line('memory horizon (steps)', colours.horizon, { scale: 'horizon' })],
      axes: [stepAxis, yAxis(AXIS_TITLES.vanishing, { scale: 'ratio' }),
        yAxis(AXIS_TITLES.horizon, { scale: 'horizon', side: 1, grid: { show: false } })],
    },
  };
}

/**
 * The charts of the compare view: one series per run (two for the epoch charts: training solid, validation
 * dashed), each run in its colour, on shared axes. `runs` is [{ id, name }] in selection order.
 */
export function compareOptions(runs) {
  const perRun = (make) => runs.flatMap((run, i) => make(`${run.id} ${run.name}`, runColours[i % runColours.length]));
  const stepChart = (key, scale = {}, extra = {}) => ({
    scales: { x: { time: false }, y: scale },
    series: [{ label: 'step' }, ...perRun((name, colour) => [line(name, colour, { width: 1.2, ...extra })])],
    axes: [stepAxis, scale.distr === 3 ? logAxis(AXIS_TITLES[key]) : yAxis(AXIS_TITLES[key])],
  });
  const epochChart = (key, scale = {}) => ({
    scales: { x: epochScale, y: scale },
    series: [{ label: 'epoch' }, ...perRun((name, colour) => [
      line(`${name} train`, colour, { width: 1.5 }),
      line(`${name} validation`, colour, { width: 1.5, dash: [5, 4] }),
    ])],
    axes: [epochAxis, yAxis(AXIS_TITLES[key])],
  });
  return {
    vanishing: stepChart('vanishing'),
    horizon: stepChart('horizon'),
    gradNorm: stepChart('gradNorm', { distr: 3 }),
    clipRate: stepChart('clipRate', share),
    loss: epochChart('loss'),
    accuracy: epochChart('accuracy', share),
  };
}

/**
 * The charts of the gradient detail (detail.js), one series per label: `share` a share per step (0–1), `ratio`
 * log₁₀ vanishing ratios, `update` update-to-weight ratios on a log axis with the rule of thumb (1e-3) and the
 * alert's upper limit (0.1) dashed.
 */
export function detailOptions(kind, labels) {
  const series = [{ label: 'step' }, ...labels.map((label, i) => line(label, runColours[i % runColours.length], { width: 1.2 }))];
  if (kind === 'share') return { scales: { x: { time: false }, y: share }, series, axes: [stepAxis, yAxis('share (0–1)')] };
  if (kind === 'ratio') return { scales: { x: { time: false } }, series, axes: [stepAxis, yAxis(AXIS_TITLES.vanishing)] };
  const band = (label, stroke) => ({ label, stroke, width: 1, dash: [6, 4], value: (u, v) => readout(v) });
  return {
    scales: { x: { time: false }, y: { distr: 3 } },
    series: [...series, band('rule of thumb 1e-3', colours.horizon), band('alert above 0.1', colours.threshold)],
    axes: [stepAxis, logAxis('‖ΔW‖ / ‖W‖ (log)')],
  };
}
