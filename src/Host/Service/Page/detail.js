// The gradient detail of the selected run, drawn only when its steps carry it: the share of steps updated (skip
// updates), and per layer and direction (gradient detail "layer" or "block") the vanishing ratio of every path, the
// temporal heat map of the chosen path, its saturation per unit and its blocks' update ratios. A chart is made when
// its first data arrives, with one series per label it found then (a run's paths, units and blocks never change).

import { LineChart, detailOptions, figure } from './charts.js';
import { HeatMap } from './heatmap.js';

const HOW = {
  updateShare: 'Skip-update runs: the share of the batch\'s steps at which the learned gates updated the state (all layers). 1 is a plain RNN; the budget weight λ pushes it down. A skipped step passes the gradient back unchanged, so a lower share shortens the path the gradient travels.',
  paths: 'Per layer and direction, the median log₁₀ of the gradient reaching the first step relative to the last. A deeper layer or the reverse direction can vanish while layer 0 forward (the chart above) keeps its gradient; below −5 the alert fires.',
  pathHeat: 'The chosen path\'s temporal profile: columns are training steps, rows k steps back, colour log₁₀ g_{T−k}/g_T. Vanishing is a blue front moving towards small k; a healthy LSTM path stays pale.',
  saturation: 'The chosen path\'s share of saturated units per step: gates within 0.02 of 0 or 1 (LSTM i, f, o; GRU z, r), tanh states with |h| > 0.97, ReLU units zero for the whole batch (relu_dead). A saturated unit passes almost no gradient; above one half a forget gate or dead ReLUs alert.',
  updateRatio: 'The chosen path\'s ‖ΔW‖/‖W‖ per block and gate after each optimizer step (log scale), with the head\'s blocks. Around 1e-3 is the rule of thumb (with Adam about the learning rate over the weights\' RMS); dashed: 1e-3 and the alert\'s 0.1, above which the weights are rewritten every few steps. All blocks sinking together is a model converging; one block far below the others is frozen.',
};

const pathKey = (p) => `${p.layer} ${p.direction}`;

export class DetailCharts {
  constructor(grid) {
    this.grid = grid;
    this.charts = new Map();
    this.chosen = null; // "layer direction" of the path the heat map, saturation and update ratios show
    this.heat = null;
  }

  update(x, rows, stepsBack, steps) {
    this.shares(x, rows);
    const paths = [...new Set(steps.flatMap((s) => (s.paths ?? []).map(pathKey)))];
    if (paths.length === 0) return;
    this.picker(paths);
    this.lines('paths', 'ratio', 'Vanishing ratio per layer and direction', x, rows,
      paths, (row, key) => row.paths?.find((p) => pathKey(p) === key)?.log10_vanishing_ratio);
    this.pathHeat(stepsBack, steps);
    const ofChosen = (list) => (list ?? []).filter((f) => pathKey(f) === this.chosen || f.layer === 'head');
    const units = [...new Set(steps.flatMap((s) => ofChosen(s.saturation).map((f) => `${pathKey(f)} ${f.unit}`)))];
    this.lines(`saturation ${this.chosen}`, 'share', `Saturation per unit, layer ${this.chosen}`, x, rows, units,
      (row, key) => ofChosen(row.saturation).find((f) => `${pathKey(f)} ${f.unit}` === key)?.share, 'saturation');
    const blocks = [...new Set(steps.flatMap((s) => ofChosen(s.blocks).map((b) => `${pathKey(b)} ${b.block} ${b.gate}`)))];
    this.lines(`updateRatio ${this.chosen}`, 'update', `Update ratio per block, layer ${this.chosen}`, x, rows, blocks,
      (row, key) => positive(ofChosen(row.blocks).find((b) => `${pathKey(b)} ${b.block} ${b.gate}` === key)?.update_ratio),
      'updateRatio', (data) => [...data, x.map(() => 1e-3), x.map(() => 0.1)]);
  }

  shares(x, rows) {
    if (!this.charts.has('updateShare') && !rows.some((r) => r.update_share !== null && r.update_share !== undefined)) return;
    this.lines('updateShare', 'share', 'Share of steps updated (skip updates)', x, rows, ['update share'],
      (row) => row.update_share);
  }

  /** A line chart per key, made on its first data; `testid` names its figure (default the key). */
  lines(key, kind, title, x, rows, labels, value, testid = key, extend = (data) => data) {
    if (labels.length === 0) return;
    let chart = this.charts.get(key);
    if (!chart) {
      // A chart of another path (the choice changed) gives its place to this one.
      for (const [other, old] of this.charts) {
        if (other !== key && other.split(' ')[0] === key.split(' ')[0]) {
          old.destroy();
          old.fig.remove();
          this.charts.delete(other);
        }
      }
      const fig = figure(this.grid, testid, title, HOW[testid]);
      chart = new LineChart(fig, detailOptions(kind, labels));
      chart.labels = labels;
      this.charts.set(key, chart);
    }
    const series = chart.labels.map((label) => rows.map((r) => (r.gap ? null : value(r, label) ?? null)));
    chart.update(extend([x, ...series]), 'Waiting for the first step with these figures…');
  }

  picker(paths) {
    if (this.chosen === null || !paths.includes(this.chosen)) this.chosen = paths[0];
    let select = this.grid.querySelector('[data-testid=path-select]');
    if (!select) {
      const box = document.createElement('label');
      box.className = 'path-pick';
      box.textContent = 'Layer and direction: ';
      select = document.createElement('select');
      select.dataset.testid = 'path-select';
      select.addEventListener('change', () => { this.chosen = select.value; this.onChange?.(); });
      box.append(select);
      this.grid.append(box);
    }
    if (select.options.length !== paths.length) {
      select.replaceChildren(...paths.map((p) => new Option(`layer ${p.replace(' ', ', ')}`, p)));
    }
    select.value = this.chosen;
  }

  pathHeat(stepsBack, steps) {
    if (!this.heat) {
      const fig = figure(this.grid, 'pathHeat', 'Temporal profile of the chosen path (heat map)', HOW.pathHeat, true);
      fig.classList.add('heat');
      this.heat = new HeatMap(fig.querySelector('.plot'));
      this.heat.fig = fig;
      this.charts.set('pathHeat', this.heat);
    }
    const ofPath = steps.map((s) => ({ step: s.step, profile_log10: s.paths?.find((p) => pathKey(p) === this.chosen)?.profile_log10 ?? [] }));
    this.heat.update(stepsBack, ofPath);
    const columns = ofPath.filter((s) => s.profile_log10.some((v) => v !== null)).length;
    this.heat.fig.dataset.pointCount = String(columns);
    this.heat.fig.dataset.path = this.chosen;
  }

  destroy() {
    this.charts.forEach((chart) => chart.destroy?.());
  }
}

function positive(v) {
  return v !== null && v !== undefined && v > 0 ? v : null;
}
