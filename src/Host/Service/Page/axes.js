// Tick labels that stay readable across the values a run produces. uPlot's default formatter keeps three
// decimals, so a gradient norm of 1e-5 or a loss of 0.004 became "0". Here a log axis is labelled by powers of
// ten (10⁻⁴), and a linear axis with as many decimals as its tick spacing needs (0.002, 0.004), switching to
// powers for very small or very large values (2.5×10⁻⁶).

const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/** 10ⁿ with the exponent in superscript digits. */
export function power(exponent) {
  return `10${String(exponent).replace(/[-0-9]/g, (c) => SUPERSCRIPT[c])}`;
}

/** Decimals needed to write `increment` exactly (0.0005 → 4, 2 → 0, 0.25 → 2). */
export function decimalsOf(increment) {
  for (let d = 0; d <= 15; d++) {
    const scaled = increment * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return d;
  }
  return 15;
}

/** A value on a log axis: 10ⁿ for a decade, m×10ⁿ between decades (uPlot adds 2× and 5× ticks when there is room). */
export function logLabel(value) {
  if (!(value > 0)) return '';
  const exponent = Math.floor(Math.log10(value) + 1e-9);
  const mantissa = Math.round(value / 10 ** exponent);
  return mantissa === 1 ? power(exponent) : `${mantissa}×${power(exponent)}`;
}

/** A linear axis's labels for ticks `increment` apart: fixed decimals in 10⁻⁴ ≤ |v| < 10⁶, powers outside. */
export function linearLabels(values, increment) {
  const largest = Math.max(...values.filter((v) => v !== null).map(Math.abs), 0);
  if (largest === 0 || (largest >= 1e-4 && largest < 1e6)) {
    const decimals = decimalsOf(increment);
    return values.map((v) => (v === null ? '' : v.toFixed(decimals)));
  }
  const exponent = Math.floor(Math.log10(largest));
  const digits = Math.max(0, exponent - Math.floor(Math.log10(increment) + 1e-9));
  return values.map((v) => {
    if (v === null) return '';
    if (v === 0) return '0';
    return `${(v / 10 ** exponent).toFixed(digits)}×${power(exponent)}`;
  });
}

const MIN_LABEL_GAP = 18; // CSS pixels between two log-axis labels, enough for 11 px text

/**
 * uPlot `splits` for a log axis: the decades, every k-th one when they would crowd (eight decades in a 150-pixel
 * plot get every second one), and 2× and 5× (or 3×) between them when a decade is tall enough for three (two)
 * labels. So labels never overlap and the grid stays a grid instead of a grey band of minor lines.
 */
export function logSplits(u, axisIdx, min, max) {
  const low = Math.floor(Math.log10(min) + 1e-9);
  const high = Math.ceil(Math.log10(max) - 1e-9);
  const decades = Math.max(1, high - low);
  const height = (u.bbox?.height ?? 0) / (window.devicePixelRatio || 1) || 150;
  const perDecade = height / decades;
  const mantissas = perDecade >= 3 * MIN_LABEL_GAP ? [1, 2, 5] : perDecade >= 2 * MIN_LABEL_GAP ? [1, 3] : [1];
  const every = [1, 2, 3, 4, 5, 6, 10, 20].find((k) => perDecade * k >= MIN_LABEL_GAP) ?? 50;
  const within = (v) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  const splits = [];
  for (let e = low; e <= high; e++) {
    if (e % every !== 0) continue;
    for (const m of mantissas) {
      const v = Number((m * 10 ** e).toPrecision(1));
      if (within(v)) splits.push(v);
    }
  }
  return splits;
}

/** uPlot `values` for a log axis; minor ticks uPlot filtered out (null) stay unlabelled. */
export const logValues = (u, splits) => splits.map((v) => (v === null ? '' : logLabel(v)));

/** uPlot `values` for a linear axis. */
export const linearValues = (u, splits, axisIdx, space, increment) => linearLabels(splits, increment);

/** A read-out value (legend, hover) with three significant digits, whatever its magnitude. */
export function readout(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const size = Math.abs(value);
  return size >= 1e-3 && size < 1e6 ? String(Number(value.toPrecision(3))) : value.toExponential(2);
}

/**
 * A uPlot `draw` hook that mirrors the tick labels just drawn into the figure (data-ticks = JSON, one array per
 * axis; data-axis-titles, one title per axis), so a test or a user's script can read what the chart shows without reading pixels.
 */
export function mirrorTicks(fig) {
  return (u) => {
    fig.dataset.ticks = JSON.stringify(u.axes.map((axis) => (axis._values ?? []).filter((label) => label !== '')));
    fig.dataset.axisTitles = JSON.stringify(u.axes.map((axis) => axis.label ?? ''));
  };
}

let measure = null;

/**
 * uPlot `size` for a y axis: as wide as its widest label (2.5×10⁻¹¹ needs more room than 0.5), so labels never
 * run into the axis title. uPlot calls it again when the labels change and re-lays the chart out.
 */
export function axisSize(font) {
  return (u, values) => {
    if (!values) return 48;
    measure ??= document.createElement('canvas').getContext('2d');
    measure.font = font;
    const widest = Math.max(0, ...values.map((v) => measure.measureText(String(v ?? '')).width));
    return Math.max(40, Math.ceil(widest) + 20); // the tick (10 px), uPlot's gap (5 px) and a margin
  };
}

