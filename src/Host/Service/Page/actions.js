// What a user does from the page: start a run, cancel one, upload a dataset. Writes need the service token; it is
// asked for once (the first write, or after a 401) and kept in this tab's sessionStorage.

import { RefusedError, cancelRun, listDatasets, startRun, token, uploadDataset } from './api.js';

const $ = (id) => document.getElementById(id);

/** The token, asked for in the token dialog when none is kept; null when the user closes the dialog. */
function askToken(reason) {
  const dialog = $('token-dialog');
  $('token-reason').textContent = reason;
  $('token-input').value = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const value = dialog.returnValue === 'ok' ? $('token-input').value.trim() : '';
      if (value) token.set(value);
      showTokenState();
      resolve(value || null);
    }, { once: true });
  });
}

function showTokenState() {
  $('token-state').textContent = token.get() ? 'token set for this tab' : 'no token yet';
  $('token-forget').hidden = !token.get();
}

/**
 * Runs a write with the token, asking for it first when none is kept. A 401 forgets the kept token, says so, and
 * asks again once; any other refusal is thrown to the caller, which shows it beside the form.
 */
async function withToken(write) {
  if (!token.get() && !(await askToken('Writes need the service token (printed at its first start, and in DATA_DIR/token).')))
    throw new RefusedError(401, 'No token given: nothing was sent.');
  try {
    return await write();
  } catch (e) {
    if (!(e instanceof RefusedError) || e.status !== 401) throw e;
    token.clear();
    if (!(await askToken(`The service refused the token (401: ${e.message}). Enter the token from DATA_DIR/token.`)))
      throw new RefusedError(401, `The service refused the token (401): ${e.message}`);
    try {
      return await write();
    } catch (again) {
      // Refused twice: keep nothing, so the next write asks afresh.
      if (again instanceof RefusedError && again.status === 401) { token.clear(); showTokenState(); }
      throw again;
    }
  }
}

function say(element, text, bad) {
  element.textContent = text;
  element.className = bad ? 'result bad' : 'result ok';
}

/** The start form's fields as a run request; empty optional fields are left out so the service's defaults apply. */
function requestFromForm(form) {
  const f = new FormData(form);
  const request = {};
  const text = (key) => (f.get(key) ?? '').toString().trim();
  const number = (key) => (text(key) === '' ? undefined : Number(text(key)));
  if (text('name')) request.name = text('name');
  if (text('source') === 'dataset') request.dataset_id = Number(text('dataset_id'));
  else request.data = text('data');
  request.cell = text('cell');
  for (const key of ['hidden_size', 'layers', 'epochs', 'learning_rate', 'clip_norm', 'count']) {
    const value = number(key);
    if (value !== undefined) request[key] = value;
  }
  request.optimizer = text('optimizer');
  // Dilations: sent only when filled ("1,2,4"), so a service without the field is not refused.
  if (text('dilations')) request.dilations = text('dilations').split(/[\s,]+/).filter(Boolean).map(Number);
  return request;
}

export async function refreshDatasets() {
  const select = $('dataset-select');
  const chosen = select.value;
  const { datasets } = await listDatasets();
  select.replaceChildren(...datasets.map((d) => {
    const option = document.createElement('option');
    option.value = String(d.id);
    option.textContent = `${d.id}: ${d.name} (${d.sequences} sequences)`;
    return option;
  }));
  if (chosen) select.value = chosen;
  $('source-dataset').disabled = datasets.length === 0;
}

/** Wires the forms; `onStarted(run)` shows the new run, `onChanged()` makes the page poll at once. */
export function setUpActions({ onStarted, onChanged }) {
  showTokenState();
  $('token-forget').addEventListener('click', () => { token.clear(); showTokenState(); });
  $('token-set').addEventListener('click', () => askToken('The service token, kept in this tab only.'));

  const form = $('start-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = $('start-result');
    say(result, 'starting…', false);
    try {
      const run = await withToken(() => startRun(requestFromForm(form)));
      say(result, `Run ${run.id} (${run.name}) queued.`, false);
      onStarted(run);
    } catch (e) {
      say(result, e instanceof RefusedError ? `Refused (${e.status}): ${e.message}` : String(e.message), true);
    }
  });

  $('upload-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = $('upload-result');
    const file = $('upload-file').files[0];
    if (!file) { say(result, 'Choose a .jsonl, .csv, .conll or .txt file first.', true); return; }
    say(result, `uploading ${file.name}…`, false);
    try {
      const dataset = await withToken(() => uploadDataset(file));
      say(result, `Dataset ${dataset.id} (${dataset.name}): ${dataset.sequences} sequences.`, false);
      await refreshDatasets();
      $('source-dataset').checked = true;
      $('dataset-select').value = String(dataset.id);
    } catch (e) {
      say(result, e instanceof RefusedError ? `Refused (${e.status}): ${e.message}` : String(e.message), true);
    }
  });

  $('run-actions').addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-cancel]');
    if (!button) return;
    const result = $('run-action-result');
    try {
      const run = await withToken(() => cancelRun(button.dataset.cancel));
      say(result, run.state === 'cancelled' ? `Run ${run.id} cancelled.` : `Run ${run.id} stops at its next step.`, false);
      onChanged();
    } catch (e) {
      say(result, e instanceof RefusedError ? `Refused (${e.status}): ${e.message}` : String(e.message), true);
    }
  });
}

/** The selected run's buttons and links: cancel while it can be, downloads once it succeeded. */
export function renderRunActions(detail) {
  const box = $('run-actions');
  if (!detail) { box.replaceChildren(); return; }
  const key = `${detail.id}:${detail.state}`;
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  const parts = [];
  if (detail.state === 'queued' || detail.state === 'running') {
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.dataset.cancel = String(detail.id);
    cancel.dataset.testid = 'cancel-run';
    cancel.textContent = 'Cancel run';
    parts.push(cancel);
  }
  if (detail.state === 'succeeded') {
    for (const [href, text, id] of [
      [`/api/runs/${detail.id}/model.onnx`, 'Download ONNX', 'download-onnx'],
      [`/api/runs/${detail.id}/model.zip`, 'Download ML.NET model (.zip)', 'download-zip'],
    ]) {
      const link = document.createElement('a');
      link.href = href;
      link.download = '';
      link.textContent = text;
      link.dataset.testid = id;
      parts.push(link);
    }
  }
  box.replaceChildren(...parts);
}
