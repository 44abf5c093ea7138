/**
 * @module web/dom
 * The page's only way of making elements. Text always goes through textContent, so what the
 * daemon sends (mount paths may hold `<script>`, quotes, newlines, lone surrogates) is shown as
 * text and never parsed as HTML.
 */

/** A new element with an optional class and text. */
export function el(tag, className = '', text = '') {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** A grid row (div.row, role row) of new cells, one per class name; returns the row and its cells. */
export function row(cellClasses) {
  const tr = el('div', 'row');
  tr.setAttribute('role', 'row');
  const cells = cellClasses.map((name) => {
    const cell = tr.appendChild(el('div', name));
    cell.setAttribute('role', 'cell');
    return cell;
  });
  return { tr, cells };
}

/** Sets the text of a node unless it already has it (an unchanged write still costs layout). */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Shows a message in an element, or hides the element with ''. */
export function say(node, text) {
  node.textContent = text;
  node.hidden = text === '';
}
