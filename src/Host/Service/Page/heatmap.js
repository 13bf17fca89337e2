// The temporal gradient profile as a heat map, drawn on a plain canvas (uPlot draws lines, not grids).
// x: training step, oldest left. y: steps back k, k = 1 at the bottom, the furthest back at the top.
// colour: log10 g_{T-k}/g_T, the median over the batch of how much gradient reaches k steps before the loss.

const MIN = -8; // log10 ratio at which the colour saturates to the darkest blue: the signal is 1e-8 of itself
const MAX = 2;  // and to the darkest red: a hundred times larger k steps back
const NEUTRAL = [247, 244, 233];
const BLUE = [[107, 174, 214], [8, 48, 107]];
const RED = [[244, 165, 130], [178, 24, 43]];
const MISSING = '#e5e7eb';
const MARGIN = { left: 44, bottom: 20, top: 4, right: 6 };

const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));

export function colour(value) {
  if (value === null || !Number.isFinite(value)) return MISSING;
  let rgb;
  if (value <= 0) {
    const t = Math.min(1, value / MIN);
    rgb = t < 0.5 ? mix(NEUTRAL, BLUE[0], t * 2) : mix(BLUE[0], BLUE[1], t * 2 - 1);
  } else {
    const t = Math.min(1, value / MAX);
    rgb = t < 0.5 ? mix(NEUTRAL, RED[0], t * 2) : mix(RED[0], RED[1], t * 2 - 1);
  }
  return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
}

export class HeatMap {
  constructor(plot) {
    this.canvas = document.createElement('canvas');
    this.canvas.style.height = '220px';
    plot.append(this.canvas, legend());
    this.stepsBack = [];
    this.steps = [];
    new ResizeObserver(() => this.draw()).observe(this.canvas);
  }

  update(stepsBack, steps) {
    this.stepsBack = stepsBack;
    this.steps = steps;
    this.draw();
  }

  draw() {
    const ratio = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    if (width === 0) return;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    const g = this.canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    // Rows only as far back as some profile reaches: steps back beyond the sequence length are never defined.
    const reach = this.steps.reduce((most, s) => Math.max(most, (s.profile_log10 || []).length), 0);
    const rows = Math.min(this.stepsBack.length, reach);
    const n = this.steps.length;
    if (rows === 0 || n === 0) return;

    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    // Columns are placed by step number, so steps the page never received stay an empty band, as in the line charts.
    const first = this.steps[0].step;
    const span = this.steps[n - 1].step - first + 1;
    const cellW = plotW / span;
    const cellH = plotH / rows;
    // With more steps than pixels several steps share a pixel column; the later one is drawn over the earlier,
    // which keeps the newest behaviour visible without averaging logs.
    for (let i = 0; i < n; i++) {
      const profile = this.steps[i].profile_log10 || [];
      const at = this.steps[i].step - first;
      const x0 = Math.floor(MARGIN.left + at * cellW);
      const x1 = Math.ceil(MARGIN.left + (at + 1) * cellW);
      for (let r = 0; r < rows; r++) {
        g.fillStyle = colour(profile[r] ?? null);
        const y0 = MARGIN.top + (rows - 1 - r) * cellH;
        g.fillRect(x0, Math.floor(y0), x1 - x0, Math.ceil(cellH));
      }
    }

    g.fillStyle = '#616e7c';
    g.font = '11px system-ui, sans-serif';
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let r = 0; r < rows; r++)
      g.fillText(`k=${this.stepsBack[r]}`, MARGIN.left - 4, MARGIN.top + (rows - 0.5 - r) * cellH);
    g.textBaseline = 'top';
    const labelY = MARGIN.top + plotH + 4;
    g.textAlign = 'left';
    g.fillText(`step ${this.steps[0].step}`, MARGIN.left, labelY);
    g.textAlign = 'right';
    g.fillText(`step ${this.steps[n - 1].step}`, MARGIN.left + plotW, labelY);
  }
}

function legend() {
  const box = document.createElement('div');
  box.className = 'legend';
  const bar = document.createElement('canvas');
  bar.width = 256;
  bar.height = 1;
  const g = bar.getContext('2d');
  for (let x = 0; x < 256; x++) {
    g.fillStyle = colour(MIN + (MAX - MIN) * (x / 255));
    g.fillRect(x, 0, 1, 1);
  }
  const left = document.createElement('span');
  left.textContent = `log₁₀ ratio ${MIN} (vanished)`;
  const right = document.createElement('span');
  right.textContent = `+${MAX} (exploding); 0, the pale band, is no change`;
  const missing = document.createElement('span');
  missing.innerHTML = `<span style="background:${MISSING};padding:0 .6rem"></span> longer than the sequence`;
  box.append(left, bar, right, missing);
  return box;
}
