// The compare view: two or more runs on shared axes, each in its own colour. A long run has tens of thousands of
// steps, so the view asks the service for every k-th step (the same k for every run, so their steps line up),
// with k chosen to keep about 1,500 points per run.

/* global uPlot */

import { getGradients, getRun } from './api.js';
import { LineChart, compareOptions, figure, runColours } from './charts.js';

const TARGET_POINTS = 1500;
const PAGE = 5000;
const CLIP_WINDOW = 50;   // points in the rolling clip rate

const HOW = {
  vanishing: 'Median log₁₀ of the gradient reaching the first step relative to the last: near 0 the run keeps its gradient, far below 0 it vanishes.',
  horizon: 'Steps back the gradient stays above 1e-3 of its value at the loss: how far back the run can learn from.',
  gradNorm: 'Global gradient norm before clipping (log scale).',
  clipRate: `Share of the last ${CLIP_WINDOW} points that were clipped.`,
  loss: 'Loss per epoch: training solid, validation dashed.',
  accuracy: 'Accuracy per epoch: training solid, validation dashed.',
};
const TITLES = {
  vanishing: 'Vanishing ratio', horizon: 'Memory horizon', gradNorm: 'Gradient norm per step',
  clipRate: 'Clip rate', loss: 'Loss per epoch', accuracy: 'Accuracy per epoch',
};

/** 1, 2, 5, 10, 20, 50, … at or above `n`. */
function nice(n) {
  let step = 1;
  for (;;) {
    for (const m of [1, 2, 5]) if (step * m >= n) return step * m;
    step *= 10;
  }
}

function expectedSteps(detail) {
  const p = detail.progress;
  return p.batches_per_epoch ? p.batches_per_epoch * p.epochs : p.step;
}

function rollingShare(flags) {
  const recent = [];
  let on = 0;
  return flags.map((flag) => {
    recent.push(flag ? 1 : 0);
    on += recent[recent.length - 1];
    if (recent.length > CLIP_WINDOW) on -= recent.shift();
    return on / recent.length;
  });
}

export class CompareView {
  constructor(ids, grid, legend) {
    this.ids = ids;
    this.grid = grid;
    this.legend = legend;
    this.runs = new Map(ids.map((id) => [id, { detail: null, steps: [], lastStep: 0 }]));
    this.every = 0;
    this.charts = null;
    this.destroyed = false;
  }

  get title() {
    return `Comparing runs ${this.ids.join(', ')}`;
  }

  async refresh() {
    const details = await Promise.all(this.ids.map((id) => getRun(id)));
    if (this.destroyed) return; // the user chose another view while this poll was in flight
    details.forEach((detail, i) => { this.runs.get(this.ids[i]).detail = detail; });
    const every = nice(Math.max(1, ...details.map((d) => Math.ceil(expectedSteps(d) / TARGET_POINTS))));
    if (every !== this.every) {
      // A coarser k as a run grows: start over, so every run's points stay multiples of the same k.
      this.every = every;
      for (const run of this.runs.values()) { run.steps = []; run.lastStep = 0; }
    }
    await Promise.all(this.ids.map(async (id) => {
      const run = this.runs.get(id);
      if (run.detail.state === 'queued') return;
      const page = await getGradients(id, run.lastStep, PAGE, { order: 'asc', every: this.every });
      const fresh = page.steps.filter((s) => s.step > run.lastStep);
      if (fresh.length > 0) {
        run.steps = run.steps.concat(fresh);
        run.lastStep = fresh[fresh.length - 1].step;
      }
    }));
    if (!this.destroyed) this.draw();
  }

  build() {
    const named = this.ids.map((id) => ({ id, name: this.runs.get(id).detail.name }));
    const options = compareOptions(named);
    this.charts = new Map(Object.keys(options).map((key) =>
      [key, new LineChart(figure(this.grid, key, TITLES[key], HOW[key]), options[key])]));
    this.legend.replaceChildren(...named.map((run, i) => {
      const item = document.createElement('span');
      item.dataset.runId = String(run.id);
      item.dataset.colour = runColours[i % runColours.length];
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = item.dataset.colour;
      const state = this.runs.get(run.id).detail.state;
      item.append(swatch, `${run.id} ${run.name} (${this.runs.get(run.id).detail.cell.toUpperCase()}, ${state})`);
      return item;
    }));
  }

  draw() {
    if (this.charts === null) this.build();
    const runs = this.ids.map((id) => this.runs.get(id));
    const stepTable = (value) => runs.map((run) => [run.steps.map((s) => s.step), value(run.steps)]);
    const field = (key, keep = (v) => v) => (steps) => steps.map((s) => keep(s[key] ?? null));
    const positive = (v) => (v !== null && v > 0 ? v : null);
    const join = (tables) => (tables.every((t) => t[0].length === 0) ? [[], ...tables.map(() => [])] : uPlot.join(tables));
    const waiting = 'Waiting for the first steps…';
    this.charts.get('vanishing').update(join(stepTable(field('log10_vanishing_ratio'))), waiting);
    this.charts.get('horizon').update(join(stepTable(field('memory_horizon'))), waiting);
    this.charts.get('gradNorm').update(join(stepTable(field('grad_norm', positive))), waiting);
    this.charts.get('clipRate').update(join(stepTable((steps) => rollingShare(steps.map((s) => s.clipped)))), waiting);
    const epochTable = (train, valid) => runs.map((run) => {
      const history = run.detail.epoch_history;
      return [history.map((e) => e.epoch), history.map((e) => e[train] ?? null), history.map((e) => e[valid] ?? null)];
    });
    this.charts.get('loss').update(join(epochTable('train_loss', 'valid_loss')), 'Appears when the first epoch ends.');
    this.charts.get('accuracy').update(join(epochTable('train_accuracy', 'valid_accuracy')), 'Appears when the first epoch ends.');
    for (const item of this.legend.children) {
      const detail = this.runs.get(Number(item.dataset.runId)).detail;
      item.lastChild.textContent = `${detail.id} ${detail.name} (${detail.cell.toUpperCase()}, ${detail.state}, step ${detail.progress.step})`;
    }
  }

  destroy() {
    this.destroyed = true;
    this.charts?.forEach((chart) => chart.destroy());
    this.grid.replaceChildren();
    this.legend.replaceChildren();
  }
}
