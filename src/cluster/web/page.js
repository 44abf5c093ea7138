// The cluster page: reads /api/v1/cluster/* every 2 s and renders four tables. Text goes in with
// textContent only (names and reasons come from nodes and rules, never trusted as HTML).
const $ = (id) => document.getElementById(id);
const token = $('token');
token.value = sessionStorage.getItem('fsevd-cluster-token') ?? '';
token.addEventListener('change', () => sessionStorage.setItem('fsevd-cluster-token', token.value));

async function get(path) {
  const headers = token.value ? { authorization: `Bearer ${token.value}` } : {};
  const response = await fetch(path, { headers });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${(await response.json().catch(() => ({}))).message ?? ''}`);
  return response.json();
}

function render(table, headers, rows) {
  const head = document.createElement('tr');
  for (const h of headers) head.append(Object.assign(document.createElement('th'), { textContent: h }));
  const lines = rows.map((cells) => {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      const [text, cls] = Array.isArray(cell) ? cell : [cell];
      td.textContent = text ?? '';
      if (cls) td.className = cls;
      tr.append(td);
    }
    return tr;
  });
  table.replaceChildren(head, ...lines);
}

async function refresh() {
  try {
    const [{ nodes }, drains, { incidents }] = await Promise.all([get('/api/v1/cluster/nodes'), get('/api/v1/cluster/drains'), get('/api/v1/cluster/incidents')]);
    render($('nodes'), ['address', 'fsevd node', 'scheduler name', 'state', 'since', 'cursor', 'lag s', 'received', 'last error'], nodes.map((n) => [
      n.address, n.fsevdNode, n.schedulerName, n.unreachable ? ['unreachable', 'bad'] : n.connected ? ['connected', 'ok'] : ['disconnected', 'bad'],
      n.since, String(n.cursor ?? ''), n.lagSeconds.toFixed(1), String(n.eventsReceived), n.lastError,
    ]));
    render($('drains'), ['node', 'rule', 'status', 'since', 'event'], [
      ...drains.instances.map((i) => [i.node, i.rule, i.status, i.since, i.event ? `${i.event.type} ${i.event.mountpoint ?? ''}` : '']),
      ...drains.unreachable.map((u) => [u.schedulerName, 'cluster-unreachable', 'unreachable', u.since, u.drain.join('; ')]),
    ]);
    render($('incidents'), ['#', 'filesystem', 'level', 'open', 'acted / cap', 'held', 'nodes'], incidents.map((i) => [
      String(i.id), `${i.mountpoint} (${i.fstype} ${i.server})`, i.level === 'cluster' ? ['cluster', 'bad'] : 'node', i.open ? 'open' : `closed ${i.closed}`,
      `${i.acted} / ${i.cap}`, i.held ? [String(i.held), 'held'] : '0', i.nodes.map((n) => `${n.node}:${n.health}/${n.action}`).join(' '),
    ]));
    render($('recent'), ['time', 'node', 'rule', 'action', 'phase', 'outcome'], drains.recent.slice().reverse().map((r) => [r.time, r.node, r.rule, r.action, r.phase, [r.detail, r.outcome === 'success' ? 'ok' : 'bad']]));
    $('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    $('status').textContent = err.message;
  }
}

refresh();
setInterval(refresh, 2000);
