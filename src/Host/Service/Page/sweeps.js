// The sweeps panel: a fleet's sweeps (GET /api/sweeps) and, for the chosen one, its runs as the service ranks them
// (by validation loss) beside each run's gradient health, so a glance says which remedy kept the gradient alive.
// Sweeps live in PostgreSQL only: the embedded store answers 409 or lists none, and then the panel stays hidden.
// A row opens its run in the normal run view; the URL holds both (#sweep=2&run=7).

import { RefusedError, getJson } from './api.js';

const $ = (id) => document.getElementById(id);

const fmt = (value, digits) => (value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits));

/** A swept option's value as the sweep command spells it: none for unset. */
const spell = (value) => (value === null || value === undefined ? 'none' : String(value));

/** The sweep the URL names, if any. */
export const wantedSweep = () => Number(/sweep=(\d+)/.exec(location.hash)?.[1] ?? NaN) || null;

/** The hash for a sweep and, optionally, one of its runs. */
export const sweepHash = (sweepId, runId) => (runId ? `sweep=${sweepId}&run=${runId}` : `sweep=${sweepId}`);

export class SweepsPanel {
  constructor() {
    this.sweeps = [];
    $('sweep-list').addEventListener('click', (event) => {
      const item = event.target.closest('[data-sweep-id]');
      if (item) location.hash = sweepHash(item.dataset.sweepId);
    });
    $('sweep-runs').addEventListener('click', (event) => {
      const row = event.target.closest('tr[data-run-id]');
      if (row) location.hash = sweepHash(this.shownId, row.dataset.runId);
    });
  }

  /** Reads the sweeps and the chosen one's ranking. A 409 (no fleet store) hides the panel; outages propagate. */
  async refresh(selectedRunId) {
    let sweeps;
    try {
      ({ sweeps } = await getJson('/api/sweeps'));
    } catch (error) {
      if (error instanceof RefusedError && error.status === 409) sweeps = [];
      else throw error;
    }
    this.sweeps = sweeps;
    $('sweeps-panel').hidden = sweeps.length === 0;
    if (sweeps.length === 0) return;
    // The URL's sweep, else the newest.
    const id = sweeps.some((s) => s.id === wantedSweep()) ? wantedSweep() : Math.max(...sweeps.map((s) => s.id));
    const view = await getJson(`/api/sweeps/${id}`);
    this.shownId = id;
    this.renderList(id);
    this.renderRuns(view, selectedRunId);
  }

  renderList(shownId) {
    $('sweep-list').replaceChildren(...this.sweeps.map((s) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.sweepId = String(s.id);
      button.dataset.testid = 'sweep-pick';
      button.className = s.id === shownId ? 'selected' : '';
      button.textContent = `#${s.id} ${s.name}`;
      return button;
    }));
  }

  renderRuns(view, selectedRunId) {
    const options = Object.keys(view.grid ?? {});
    const states = Object.entries(view.states).map(([state, n]) => `${n} ${state}`).join(', ');
    $('sweep-meta').textContent = `${view.name}: ${view.runs.length} runs (${states}), ranked by ${view.metric}`;
    // Short headers so the table fits beside the charts; the title says what each means.
    const head = [
      ['#', `rank by ${view.metric}`], ['run', 'name; hover a row for its id'], ['state', ''], ...options.map((o) => [o, 'swept option']),
      ['v.loss', 'validation loss'], ['v.acc', 'validation accuracy'],
      ['vanish', 'median log10 g₁/g_T of the last stored step'], ['clip', 'share of stored steps clipped'], ['NaN', 'non-finite steps (skipped)'],
    ];
    $('sweep-head').replaceChildren(...head.map(([text, title]) => Object.assign(document.createElement('th'), { textContent: text, title })));
    $('sweep-runs').replaceChildren(...view.runs.map((run) => {
      const row = document.createElement('tr');
      row.dataset.testid = 'sweep-row';
      row.dataset.runId = String(run.id);
      row.title = `run ${run.id}: click to open it`;
      if (run.id === selectedRunId) row.className = 'selected';
      const g = run.gradient;
      const cells = [
        ['rank', run.rank === null ? '—' : String(run.rank)],
        ['run', run.name],
        ['state', run.state],
        ...options.map((o) => [`option-${o}`, spell(run.values[o])]),
        ['valid_loss', fmt(run.valid_loss, 4), 'num'],
        ['valid_accuracy', fmt(run.valid_accuracy, 3), 'num'],
        ['final_log10_vanishing_ratio', fmt(g.final_log10_vanishing_ratio, 2), 'num'],
        ['clip_rate', fmt(g.clip_rate, 2), 'num'],
        ['non_finite_steps', g.non_finite_steps === null ? '—' : String(g.non_finite_steps), 'num'],
      ];
      row.append(...cells.map(([key, text, cls]) => {
        const td = document.createElement('td');
        td.dataset.key = key;
        if (key === 'state') td.append(Object.assign(document.createElement('span'), { className: `state ${text}`, textContent: text }));
        else td.textContent = text;
        if (cls) td.className = cls;
        return td;
      }));
      return row;
    }));
  }
}
