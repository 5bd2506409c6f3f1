// The network picture: it listens to /network/events (server-sent events,
// one "snapshot" every two seconds) and draws the replicas (leader marked,
// links between connected replicas), their heights, views and lag, the
// MSP's standbys, the membership history and the commit rate. Admins get
// the operator controls, each confirmed, posted with the CSRF token, and
// followed here until the chain reflects it.

const root = document.getElementById("network");
if (root) start(root);

const NS = "http://www.w3.org/2000/svg";
const t = root ? root.dataset : {};
const fill = (s, a) => s.replace(/\{(\w+)\}/g, (m, k) => (k in a ? String(a[k]) : m));

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function control(action, id, label) {
  const f = el("form", "inline");
  f.method = "post";
  f.action = "/network/admin";
  for (const [n, v] of [["csrf", root.dataset.csrf], ["action", action], ["id", id]]) {
    const i = el("input");
    i.type = "hidden";
    i.name = n;
    i.value = v;
    f.append(i);
  }
  const b = el("button", "small secondary", label);
  b.type = "submit";
  b.dataset.action = action;
  b.dataset.id = id;
  f.append(b);
  f.addEventListener("submit", (ev) => {
    if (!confirm(fill(t["confirm" + action[0].toUpperCase() + action.slice(1)], { id }))) ev.preventDefault();
  });
  return f;
}

function picture(snap) {
  const p = document.getElementById("net-picture");
  p.replaceChildren();
  const rs = snap.replicas || [];
  const pos = new Map();
  rs.forEach((r, i) => {
    const a = (2 * Math.PI * i) / Math.max(rs.length, 1) - Math.PI / 2;
    pos.set(r.id, [150 + 105 * Math.cos(a), 150 + 105 * Math.sin(a)]);
  });
  for (const r of rs) {
    for (const to of r.links || []) {
      if (to <= r.id || !pos.has(to)) continue;
      const [x1, y1] = pos.get(r.id), [x2, y2] = pos.get(to);
      p.append(svg("line", { x1, y1, x2, y2, class: "link" }));
    }
  }
  for (const r of rs) {
    const [x, y] = pos.get(r.id);
    const g = svg("g", { class: "node " + (r.up ? "up" : "down") + (r.leader ? " leader" : ""), "data-id": r.id });
    g.append(svg("circle", { cx: x, cy: y, r: r.leader ? 30 : 24 }));
    const label = svg("text", { x, y: y + 6, "text-anchor": "middle" });
    label.textContent = String(r.id);
    g.append(label);
    if (r.leader) {
      const crown = svg("text", { x, y: y - 36, "text-anchor": "middle", class: "crown" });
      crown.textContent = "★ " + t.leader;
      g.append(crown);
    }
    p.append(g);
  }
}

function rate(snap) {
  const r = snap.rate || [];
  const p = document.getElementById("net-rate");
  p.replaceChildren();
  const top = Math.max(1, ...r);
  const pts = r.map((v, i) => `${(300 * i) / Math.max(r.length - 1, 1)},${78 - (70 * v) / top}`).join(" ");
  if (r.length > 1) p.append(svg("polyline", { points: pts, class: "rate" }));
  const last = r.length ? r[r.length - 1] : 0;
  const avg = r.length ? r.reduce((a, b) => a + b, 0) / r.length : 0;
  document.getElementById("net-rate-text").textContent = fill(t.rate, { now: last.toFixed(2), avg: avg.toFixed(2), minutes: Math.max(1, Math.round((r.length * 2) / 60)) });
}

function lists(snap) {
  const ul = document.getElementById("net-replicas");
  ul.replaceChildren();
  for (const r of snap.replicas || []) {
    const li = el("li", "card net-replica" + (r.leader ? " leader" : ""));
    li.dataset.id = r.id;
    const head = el("div", "net-head");
    head.append(el("strong", "", "#" + r.id), el("span", "tag " + (r.up ? "up" : "down"), r.up ? t.up : t.down));
    if (r.leader) head.append(el("span", "tag leader", "★ " + t.leader));
    li.append(head, el("p", "small", fill(t.row, { height: r.height, view: r.view, lag: r.lag, peers: r.peers })));
    if (r.view_change) li.append(el("p", "small muted", t.viewchange));
    li.append(el("p", "small mono", r.api));
    if (root.dataset.controls) {
      const c = el("div", "actions");
      if (!r.leader) c.append(control("leader", r.id, t.makeLeader));
      c.append(control("remove", r.id, t.remove));
      li.append(c);
    }
    ul.append(li);
  }
  const sb = document.getElementById("net-standbys");
  sb.replaceChildren();
  const book = [...(snap.standbys || []), ...(snap.pending || [])];
  if (!book.length) sb.append(el("li", "muted", t.nostandby));
  for (const n of book) {
    const li = el("li", "card", fill(t.standby, { id: n.id, state: n.state, api: n.api }));
    if (root.dataset.controls && n.state === "standby") li.append(control("promote", n.id, t.promote));
    sb.append(li);
  }
  const h = document.getElementById("net-history");
  h.replaceChildren();
  for (const e of [...(snap.history || [])].reverse()) {
    h.append(el("li", "", fill(t.history, { epoch: e.epoch, from: e.from, n: e.n, added: (e.added || []).join(", ") || "–", removed: (e.removed || []).join(", ") || "–" })));
  }
}

// follow shows an operator action's progress until the snapshot shows it.
function follow(snap) {
  const pending = root.dataset.pending;
  if (!pending) return;
  const [action, idText] = pending.split(":");
  const id = Number(idText);
  const ids = (snap.replicas || []).map((r) => r.id);
  const done = { leader: snap.leader === id, remove: !ids.includes(id), promote: ids.includes(id) }[action];
  const p = document.getElementById("net-progress");
  p.hidden = false;
  const key = (done ? "done" : "wait") + action[0].toUpperCase() + action.slice(1);
  p.textContent = fill(t[key] || "", { id, view: snap.view });
  p.className = done ? "notice" : "notice card";
  root.dataset.followed = done ? "done" : "waiting";
}

function render(snap) {
  const live = document.getElementById("net-live");
  if (snap.error) {
    live.textContent = t.lost + " " + snap.error;
    live.className = "status bad";
    return;
  }
  live.textContent = t.live + " " + new Date(snap.at).toLocaleTimeString();
  live.className = "status";
  let summary = fill(t.summary, { chain: snap.chain_id, leader: snap.leader, view: snap.view, height: snap.height, epoch: snap.epoch, n: (snap.replicas || []).length });
  if (snap.in_flight) summary += " " + fill(t.inflight, { epoch: snap.in_flight.epoch });
  document.getElementById("net-summary").textContent = summary;
  picture(snap);
  lists(snap);
  rate(snap);
  follow(snap);
  root.dataset.leader = snap.leader;
  root.dataset.view = snap.view;
}

function start() {
  const es = new EventSource("/network/events");
  es.addEventListener("snapshot", (ev) => render(JSON.parse(ev.data)));
  es.onerror = () => {
    const live = document.getElementById("net-live");
    live.textContent = t.lost;
    live.className = "status bad";
  };
}
