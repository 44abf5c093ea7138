/**
 * @module web/thresholds
 * The threshold editor: a dialog that writes one request in the proposal's syntax
 * (`MOUNT T L1 L2`, or `!MOUNT` to fall back to the defaults) through POST /api/v1/thresholds.
 * It reads the configuration's version (ETag) when it opens and writes with If-Match, so a
 * change someone else made meanwhile is refused (412) and reloaded instead of overwritten.
 * Changing needs an admin token; the daemon's refusal is shown as it says it.
 */
import { ApiError, request } from './api.js';
import { say } from './dom.js';
import { escapeMountPath } from './format.js';

/** The editor dialog. */
export class ThresholdEditor {
  /** @param {(mountId: number) => void} onSaved called after a change was applied */
  constructor(onSaved) {
    this.dialog = document.getElementById('threshold-dialog');
    this.form = document.getElementById('threshold-form');
    this.l1 = document.getElementById('threshold-l1');
    this.l2 = document.getElementById('threshold-l2');
    this.status = document.getElementById('threshold-status');
    this.removeButton = document.getElementById('threshold-default');
    this.onSaved = onSaved;
    this.mount = undefined;
    this.etag = undefined;
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#write(`${escapeMountPath(this.mount.mountpoint)} T ${this.l1.value.trim()} ${this.l2.value.trim()}`);
    });
    this.removeButton.addEventListener('click', () => void this.#write(`!${escapeMountPath(this.mount.mountpoint)}`));
    document.getElementById('threshold-cancel').addEventListener('click', () => this.dialog.close());
  }

  /** Opens the editor on a mount (its state as last shown). */
  async open(mount) {
    this.mount = mount;
    document.getElementById('threshold-mount').textContent = mount.mountpoint;
    const levels = mount.thresholds?.blocks;
    this.l1.value = levels?.l1 ?? '';
    this.l2.value = levels?.l2 ?? '';
    this.removeButton.disabled = mount.thresholds?.origin !== 'entry';
    this.#say('', '');
    this.dialog.showModal();
    await this.#readVersion();
  }

  async #readVersion() {
    try {
      this.etag = (await request('/api/v1/thresholds')).headers.get('etag') ?? undefined;
    } catch (err) {
      this.etag = undefined;
      this.#say(`Cannot read the thresholds: ${err.message}`, 'error');
    }
  }

  async #write(requests) {
    if (/[;\n]/.test(this.l1.value + this.l2.value)) return this.#say('A level is one word: 10%, 20G or a number of blocks.', 'error');
    this.#say('Saving…', '');
    try {
      const response = await request('/api/v1/thresholds', {
        method: 'POST',
        // JSON, not text/plain: a path that is not UTF-8 holds lone surrogates, which JSON keeps (\udcNN) and a text body would replace.
        headers: { 'content-type': 'application/json', ...(this.etag ? { 'if-match': this.etag } : {}) },
        body: JSON.stringify({ requests }),
      });
      const result = await response.json();
      this.etag = response.headers.get('etag') ?? undefined;
      this.#say(`Saved (configuration version ${result.version}).`, 'ok');
      this.onSaved(this.mount.mountId);
    } catch (err) {
      this.#say(refusal(err), 'error');
      if (err instanceof ApiError && err.status === 412) await this.#readVersion();
    }
  }

  #say(text, kind) {
    say(this.status, text);
    this.status.className = kind;
  }
}

/** What to tell the user about a refused write. */
function refusal(err) {
  if (!(err instanceof ApiError)) return `Not saved: ${err.message}`;
  if (err.status === 412) return 'Not saved: the thresholds were changed meanwhile (by someone else?). The current version was loaded: check and save again.';
  if (err.status === 401 || err.status === 403) return `Not saved: ${err.message}. Changing thresholds needs an admin token (enter it at the top of the page).`;
  return `Not saved: ${err.message}`;
}
