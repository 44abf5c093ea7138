/**
 * @module web/sources
 * The sources table: each kernel interface fsevd listens to, up or down and why, what it emitted
 * and what it knows it lost. A handful of rows, rewritten whole on each refresh.
 */
import { el, row } from './dom.js';
import { dateTime } from './format.js';

/** Shows the answer of GET /api/v1/sources. */
export function showSources(tbody, sources) {
  const rows = sources.map((source) => {
    const { tr, cells } = row(['name', 'state', 'number', 'number', 'time']);
    const [name, state, emitted, lost, last] = cells;
    name.textContent = source.name;
    state.append(el('span', `badge ${source.state === 'up' ? 'good' : 'bad'}`, source.state));
    if (source.reason) state.append(el('span', 'sub', source.reason));
    emitted.textContent = String(source.emitted);
    lost.textContent = String(source.lost);
    if (source.lost > 0) lost.classList.add('warn');
    last.textContent = dateTime(source.lastEventTime);
    return tr;
  });
  tbody.replaceChildren(...rows);
}
