// One figure per chart: a title, a line saying how to read it, and the plot. The figure carries the hooks the
// browser tests read: data-point-count (points of the main series drawn now) and data-stale.

/* global uPlot */

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
    const count = data[1].filter((v) => v !== null && v !== undefined).length;
    this.fig.dataset.pointCount = String(count);
    setEmpty(this.fig, count === 0 ? emptyText : null);
    if (count === 0 && !this.plot) return;
    if (!this.plot) {
      this.plot = new uPlot({ ...this.options, width: this.width(), height: HEIGHT }, data, this.host);
    } else {
      this.plot.setData(data);
    }
  }

  destroy() {
    this.plot?.destroy();
  }
}

// No spanGaps: a null is a step the page never received (see app.js), and a line drawn across it would invent data.
const line = (label, stroke, extra = {}) => ({ label, stroke, width: 1.5, points: { show: false }, ...extra });
const dots = (label, stroke) => ({ label, stroke, width: 2, points: { show: true, size: 7, fill: stroke } });
// A share in [0, 1], with a little room at both ends: a line at exactly 0 or 1 (no step clipped, every step
// clipped, perfect accuracy) would otherwise run along the frame and lose half its stroke to the clip.
const share = { range: () => [-0.03, 1.03] };
const stepAxis = { label: 'training step', labelSize: 18, size: 36 };
const epochAxis = { label: 'epoch', labelSize: 18, size: 36, incrs: [1, 2, 5, 10, 20, 50] };

export const colours = { train: '#2563eb', valid: '#ea580c', threshold: '#dc2626', horizon: '#059669', bad: '#111827' };

/** The uPlot options of each line chart; `epochs` fixes the epoch axis so points fill in as epochs end. */
export function lineOptions(epochs) {
  const epochScale = { time: false, range: () => [0.5, Math.max(1, epochs) + 0.5] };
  return {
    batchLoss: {
      scales: { x: { time: false } },
      series: [{ label: 'step' }, line('batch loss', colours.train)],
      axes: [stepAxis, {}],
    },
    loss: {
      scales: { x: epochScale },
      series: [{ label: 'epoch' }, dots('train loss', colours.train), dots('validation loss', colours.valid)],
      axes: [epochAxis, {}],
    },
    accuracy: {
      scales: { x: epochScale, y: share },
      series: [{ label: 'epoch' }, dots('train accuracy', colours.train), dots('validation accuracy', colours.valid)],
      axes: [epochAxis, {}],
    },
    gradNorm: {
      // Log scale: an explosion is orders of magnitude, and the threshold stays readable beside it.
      scales: { x: { time: false }, y: { distr: 3 } },
      series: [{ label: 'step' }, line('‖g‖ before clipping', colours.train, { width: 1 }),
        line('clip threshold', colours.threshold, { dash: [6, 4] })],
      axes: [stepAxis, {}],
    },
    clipRate: {
      scales: { x: { time: false }, y: share },
      series: [{ label: 'step' }, line('clip rate (last 50 steps)', colours.threshold),
        { label: 'non-finite step', stroke: colours.bad, width: 0, points: { show: true, size: 6, fill: colours.bad } }],
      axes: [stepAxis, {}],
    },
    vanishing: {
      scales: { x: { time: false }, ratio: {}, horizon: {} },
      series: [{ label: 'step' }, line('log₁₀ g₁/g_T', colours.train, { scale: 'ratio' }),
        line('memory horizon (steps)', colours.horizon, { scale: 'horizon' })],
      axes: [stepAxis, { scale: 'ratio', label: 'log₁₀ ratio', labelSize: 18 },
        { scale: 'horizon', side: 1, grid: { show: false }, label: 'steps', labelSize: 18 }],
    },
  };
}
