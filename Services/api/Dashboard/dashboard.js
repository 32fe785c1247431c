// The dashboard: reads the API's JSON, draws its charts as SVG, and follows /events. Plain JS, no library.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const locale = navigator.language || "en-US";
const fmt = {
  level: new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  change: new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "exceptZero" }),
  percent: new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  ratio: new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  money: new Intl.NumberFormat(locale, { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  cap: new Intl.NumberFormat(locale, { style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 1 }),
  count: new Intl.NumberFormat(locale),
  date: new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }),
  time: new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }),
};

const state = {
  indexes: [], index: "ew100", compare: "", range: "all", compositionDate: "",
  primary: [], secondary: [], summary: null, loading: true, pending: [], timers: {},
  // Sessions from /events, by index: storage may answer a refresh before it has stored the newest of them.
  live: {},
  retries: {}, storedLast: "", compositionAsOf: "", liveChange: "", shownChange: "",
};

const $ = (id) => document.getElementById(id);

function show(value, format, fallback = "–") {
  return value === null || value === undefined || Number.isNaN(value) ? fallback : format.format(value);
}

function signClass(value) {
  return value > 0 ? "pos" : value < 0 ? "neg" : "";
}

async function getJSON(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error.message : `${response.status} ${response.statusText}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

function showError(error) {
  const box = $("error");
  if (!error) { box.hidden = true; return; }
  box.textContent = error.message || String(error);
  box.hidden = false;
}

// A table body from rows of cells: each cell a string or {text, cls, value, header}.
function fillTable(tbody, rows) {
  const fragment = document.createDocumentFragment();
  for (const cells of rows) {
    const tr = document.createElement("tr");
    for (const cell of cells) {
      const item = typeof cell === "object" && cell !== null ? cell : { text: cell };
      const td = document.createElement(item.header ? "th" : "td");
      if (item.header) td.scope = "row";
      td.textContent = item.text === undefined || item.text === null ? "–" : item.text;
      if (item.cls) td.className = item.cls;
      if (item.value !== undefined && item.value !== null) td.dataset.value = String(item.value);
      tr.appendChild(td);
    }
    fragment.appendChild(tr);
  }
  tbody.replaceChildren(fragment);
}

function isoDate(date) { return date.toISOString().slice(0, 10); }
function parseDay(text) { return new Date(text + "T00:00:00Z"); }
function showDay(text) { return text ? fmt.date.format(parseDay(text)) : "–"; }

// MARK: SVG charts

function svgElement(name, attributes, parent) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (parent) parent.appendChild(element);
  return element;
}

function niceTicks(min, max, count) {
  if (min === max) { min -= 1; max += 1; }
  const raw = (max - min) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(v);
  return ticks;
}

// A line chart of series [{points: [{date, value}], cls, label}], values formatted by `format`.
function lineChart(container, series, format, label, options = {}) {
  const width = Math.max(280, container.clientWidth || 600);
  const height = width < 500 ? 190 : 250;
  const pad = { left: 58, right: 12, top: 10, bottom: 24 };
  const all = series.flatMap((s) => s.points);
  container.replaceChildren();
  if (all.length === 0) { container.textContent = "No sessions stored in this range."; return; }
  const times = all.map((p) => parseDay(p.date).getTime());
  const values = all.map((p) => p.value);
  let low = Math.min(...values), high = Math.max(...values);
  if (options.zeroTop) high = 0;
  const ticks = niceTicks(low, high, 4);
  low = Math.min(low, ticks[0]); high = Math.max(high, ticks[ticks.length - 1]);
  if (low === high) { low -= 1; high += 1; }
  const t0 = Math.min(...times), t1 = Math.max(...times);
  const x = (t) => pad.left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (v) => pad.top + (1 - (v - low) / (high - low)) * (height - pad.top - pad.bottom);
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  for (const tick of ticks) {
    svgElement("line", { x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick), class: "axis" }, svg);
    const text = svgElement("text", { x: pad.left - 6, y: y(tick) + 4, "text-anchor": "end", class: "tick" }, svg);
    text.textContent = format.format(tick);
  }
  const labels = Math.max(2, Math.floor((width - pad.left) / 110));
  for (let i = 0; i < labels; i++) {
    const t = t0 + ((t1 - t0) * i) / (labels - 1);
    const text = svgElement("text", { x: x(t), y: height - 6, "text-anchor": i === 0 ? "start" : i === labels - 1 ? "end" : "middle", class: "tick" }, svg);
    text.textContent = fmt.date.format(new Date(t));
  }
  for (const s of series) {
    if (s.points.length === 0) continue;
    const path = s.points.map((p, i) => `${i ? "L" : "M"}${x(parseDay(p.date).getTime()).toFixed(1)},${y(p.value).toFixed(1)}`).join("");
    if (options.area) {
      const base = y(0).toFixed(1);
      const first = x(parseDay(s.points[0].date).getTime()).toFixed(1);
      const last = x(parseDay(s.points[s.points.length - 1].date).getTime()).toFixed(1);
      svgElement("path", { d: `M${first},${base}` + path.replace(/^M/, "L") + `L${last},${base}Z`, class: "area" }, svg);
    } else {
      svgElement("path", { d: path, class: `series ${s.cls}` }, svg);
    }
  }
  container.appendChild(svg);
}

function barChart(container, bars, label) {
  const width = Math.max(260, container.clientWidth || 300);
  const row = 22;
  const height = bars.length * row + 4;
  container.replaceChildren();
  if (bars.length === 0) return;
  const labelWidth = Math.min(170, width * 0.45);
  const max = Math.max(...bars.map((b) => b.value), 1e-12);
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  bars.forEach((bar, i) => {
    const y = i * row + 2;
    const name = svgElement("text", { x: 0, y: y + 15, class: "bar-label" }, svg);
    name.textContent = bar.label;
    const w = Math.max(1, ((width - labelWidth - 60) * bar.value) / max);
    svgElement("rect", { x: labelWidth, y: y + 3, width: w.toFixed(1), height: row - 8, class: "bar" }, svg);
    const value = svgElement("text", { x: labelWidth + w + 4, y: y + 15, class: "bar-label" }, svg);
    value.textContent = fmt.percent.format(bar.value);
  });
  container.appendChild(svg);
}

// MARK: Data

function rangeStart(definition) {
  const first = definition && definition.first_session;
  const last = definition && definition.last_session;
  if (!first || !last || state.range === "all") return first;
  const start = parseDay(last);
  start.setUTCDate(start.getUTCDate() - Math.round(Number(state.range) * 365.25));
  const text = isoDate(start);
  return text > first ? text : first;
}

function definitionOf(id) { return state.indexes.find((d) => d.id === id); }

async function loadIndexes() {
  const body = await getJSON("/indexes");
  state.indexes = body.indexes;
  const primary = $("index-select"), compare = $("compare-select");
  const keep = [state.index, state.compare];
  primary.replaceChildren();
  compare.replaceChildren(new Option("none", ""));
  for (const definition of state.indexes) {
    const text = definition.name ? `${definition.id} — ${definition.name}` : definition.id;
    primary.appendChild(new Option(text, definition.id));
    compare.appendChild(new Option(text, definition.id));
  }
  if (!definitionOf(keep[0]) && state.indexes.length) state.index = state.indexes[0].id;
  if (!state.compare && !state.compareChosen) state.compare = state.index === "ew100" && definitionOf("ew100-tr") ? "ew100-tr" : "";
  if (state.compare && !definitionOf(state.compare)) state.compare = "";
  primary.value = state.index;
  compare.value = state.compare;
}

async function loadPerformance() {
  const definition = definitionOf(state.index);
  if (!definition || !definition.first_session) {
    state.primary = []; state.secondary = []; state.summary = null;
    return;
  }
  const start = rangeStart(definition);
  const end = definition.last_session;
  const query = `start_date=${start}&end_date=${end}`;
  const benchmark = state.compare ? `&benchmark=${encodeURIComponent(state.compare)}` : "";
  const main = await getJSON(`/index-performance?${query}&index=${encodeURIComponent(state.index)}${benchmark}`);
  state.storedLast = main.performance.length ? main.performance[main.performance.length - 1].date : "";
  state.primary = withLive(main.performance, state.index);
  state.summary = main.summary;
  state.secondary = [];
  if (state.compare) {
    try {
      const other = await getJSON(`/index-performance?${query}&index=${encodeURIComponent(state.compare)}`);
      state.secondary = withLive(other.performance, state.compare);
    } catch (error) {
      if (error.status !== 404) throw error;
    }
  }
}

// The stored series with the sessions that /events announced after its last one.
function withLive(performance, index) {
  const series = performance.map((p) => ({ date: p.date, level: p.level, daily_return: p.daily_return }));
  const last = series.length ? series[series.length - 1].date : "";
  for (const point of state.live[index] || []) if (point.date > last) upsert(series, point);
  return series;
}

async function loadComposition() {
  const date = state.compositionDate ? `date=${state.compositionDate}&` : "";
  try {
    return await getJSON(`/index-composition?${date}index=${encodeURIComponent(state.index)}`);
  } catch (error) {
    if (error.status === 404) return { date: state.compositionDate, as_of: null, constituents: [] };
    throw error;
  }
}

async function loadChanges() {
  const definition = definitionOf(state.index);
  if (!definition || !definition.last_session) return { changes: [] };
  const end = parseDay(definition.last_session);
  const start = new Date(end);
  start.setUTCDate(start.getUTCDate() - 180);
  const first = definition.first_session > isoDate(start) ? definition.first_session : isoDate(start);
  return getJSON(`/composition-changes?start_date=${first}&end_date=${definition.last_session}&index=${encodeURIComponent(state.index)}`);
}

// MARK: Rendering

function drawdowns(points) {
  let peak = -Infinity;
  return points.map((p) => {
    peak = Math.max(peak, p.level);
    return { date: p.date, value: p.level / peak - 1 };
  });
}

function renderPerformance() {
  const points = state.primary;
  const latest = points[points.length - 1];
  const level = $("latest-level");
  level.textContent = latest ? fmt.level.format(latest.level) : "–";
  level.dataset.value = latest ? String(latest.level) : "";
  level.dataset.date = latest ? latest.date : "";
  $("latest-date").textContent = latest ? showDay(latest.date) : "–";
  const daily = $("latest-return");
  daily.textContent = latest ? fmt.change.format(latest.daily_return) : "–";
  daily.className = latest ? signClass(latest.daily_return) : "";
  const total = points.length ? points[points.length - 1].level / points[0].level - 1 : null;
  $("range-return").textContent = show(total, fmt.change);
  $("range-return").className = signClass(total);

  const legend = $("level-legend");
  legend.replaceChildren();
  const first = document.createElement("span");
  first.textContent = state.index;
  legend.appendChild(first);
  if (state.compare) {
    const second = document.createElement("span");
    second.className = "compare";
    second.textContent = state.compare;
    legend.appendChild(second);
  }
  const series = [{ points: points.map((p) => ({ date: p.date, value: p.level })), cls: "primary" }];
  if (state.compare) series.push({ points: state.secondary.map((p) => ({ date: p.date, value: p.level })), cls: "compare" });
  lineChart($("level-chart"), series, fmt.count, `Level of ${state.index}` + (state.compare ? ` and ${state.compare}` : ""));
  const dd = drawdowns(points);
  lineChart($("drawdown-chart"), [{ points: dd, cls: "primary" }], new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }),
    `Drawdown of ${state.index} from its running peak`, { area: true, zeroTop: true });

  $("compare-column").textContent = state.compare ? `${state.compare} level` : "Compared index";
  const other = new Map(state.secondary.map((p) => [p.date, p.level]));
  const rows = [];
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i];
    rows.push([
      { text: p.date, header: true },
      { text: fmt.level.format(p.level), cls: "num", value: p.level },
      { text: fmt.change.format(p.daily_return), cls: `num ${signClass(p.daily_return)}`, value: p.daily_return },
      { text: fmt.percent.format(dd[i].value), cls: "num", value: dd[i].value },
      { text: other.has(p.date) ? fmt.level.format(other.get(p.date)) : "–", cls: "num" },
    ]);
  }
  fillTable(document.querySelector("#level-table tbody"), rows);
}

function renderSummary() {
  const s = state.summary;
  const tbody = document.querySelector("#summary-table tbody");
  if (!s) { fillTable(tbody, []); return; }
  $("summary-caption").textContent = `Analytics of ${state.index} from ${showDay(s.start_date)} to ${showDay(s.end_date)}`;
  const session = (x) => (x ? `${fmt.change.format(x.daily_return)} on ${showDay(x.date)}` : "–");
  const rows = [
    ["Sessions", show(s.sessions, fmt.count)],
    ["Total return", show(s.total_return, fmt.change)],
    ["Annualized return", show(s.annualized_return, fmt.change)],
    ["Annualized volatility", show(s.annualized_volatility, fmt.percent)],
    ["Sharpe ratio", show(s.sharpe, fmt.ratio)],
    ["Sortino ratio", show(s.sortino, fmt.ratio)],
    ["Max drawdown", show(s.max_drawdown, fmt.change)],
    ["Turnover (sum)", show(s.turnover, fmt.percent)],
    ["Turnover per rebalance", show(s.turnover_per_rebalance, fmt.percent)],
    ["Best session", session(s.best_session)],
    ["Worst session", session(s.worst_session)],
  ];
  if (s.benchmark) {
    const b = s.benchmark;
    rows.push([`Beta to ${b.index}`, show(b.beta, fmt.ratio)]);
    rows.push([`Tracking error to ${b.index}`, show(b.tracking_error, fmt.percent)]);
    rows.push([`Information ratio to ${b.index}`, show(b.information_ratio, fmt.ratio)]);
    rows.push([`Correlation with ${b.index}`, show(b.correlation, fmt.ratio)]);
  }
  fillTable(tbody, rows.map(([name, value]) => [{ text: name, header: true }, { text: value, cls: "num" }]));
}

function renderComposition(body) {
  const members = body.constituents || [];
  $("composition-as-of").textContent = body.as_of
    ? `${members.length} constituents of ${state.index} as of the session of ${showDay(body.as_of)}`
    : `No session of ${state.index} on or before that date.`;
  $("composition-as-of").dataset.asOf = body.as_of || "";
  state.compositionAsOf = body.as_of || "";
  fillTable(document.querySelector("#composition-table tbody"), members.map((m) => [
    { text: String(m.rank), cls: "num" },
    { text: m.ticker, header: true },
    { text: m.name || "–", cls: "hide-narrow" },
    m.sector || "–",
    { text: fmt.percent.format(m.weight), cls: "num", value: m.weight },
    { text: show(m.market_cap, fmt.cap), cls: "num", value: m.market_cap },
    { text: show(m.close, fmt.money), cls: "num hide-narrow", value: m.close },
  ]));
  const sectors = new Map();
  for (const m of members) {
    const name = m.sector || "Unknown";
    const entry = sectors.get(name) || { count: 0, weight: 0 };
    entry.count += 1;
    entry.weight += m.weight;
    sectors.set(name, entry);
  }
  const sorted = [...sectors.entries()].sort((a, b) => b[1].weight - a[1].weight || a[0].localeCompare(b[0]));
  fillTable(document.querySelector("#sector-table tbody"), sorted.map(([name, e]) => [
    { text: name, header: true }, { text: fmt.count.format(e.count), cls: "num" },
    { text: fmt.percent.format(e.weight), cls: "num", value: e.weight },
  ]));
  barChart($("sector-chart"), sorted.map(([name, e]) => ({ label: name, value: e.weight })), `Weight per sector of ${state.index}`);
}

function renderChanges(body) {
  const changes = (body.changes || []).slice().reverse().slice(0, 20);
  state.shownChange = changes.length ? changes[0].date : "";
  const names = (list) => list.map((c) => c.ticker).join(", ") || "–";
  fillTable(document.querySelector("#changes-table tbody"), changes.map((c) => [
    { text: c.date, header: true }, names(c.added), names(c.removed),
    { text: show(c.turnover, fmt.percent), cls: "num", value: c.turnover },
  ]));
}

function renderJobs(body) {
  const none = !body.jobs || body.jobs.length === 0;
  $("jobs-caption").textContent = none ? "No build jobs in the last 30 days" : "Build jobs, newest first";
  fillTable(document.querySelector("#jobs-table tbody"), (body.jobs || []).map((job) => [
    { text: job.id.replace(/^job-/, "").slice(0, 8), header: true },
    job.index,
    { text: job.status, cls: `status-${job.status}` },
    { text: `${fmt.count.format(job.progress.sessions_done)} / ${fmt.count.format(job.progress.sessions_total)} (${fmt.percent.format(job.progress.fraction)})`, cls: "num" },
    `${job.start_date} – ${job.end_date}`,
    fmt.time.format(new Date(job.updated_at)),
  ]));
}

// MARK: Loading and live updates

async function refresh(parts) {
  try {
    if (parts.has("indexes")) await loadIndexes();
    if (parts.has("performance")) {
      await loadPerformance();
      renderPerformance();
      renderSummary();
    }
    if (parts.has("composition")) renderComposition(await loadComposition());
    if (parts.has("changes")) renderChanges(await loadChanges());
    if (parts.has("jobs")) renderJobs(await getJSON("/jobs?limit=10"));
    showError(null);
  } catch (error) {
    showError(error);
  }
}

const everything = ["indexes", "performance", "composition", "changes", "jobs"];

async function reload() {
  state.loading = true;
  state.liveChange = "";
  document.body.dataset.state = "loading";
  await refresh(new Set(everything));
  state.loading = false;
  const queued = state.pending.splice(0);
  for (const [name, data] of queued) handle(name, data);
  document.body.dataset.state = "ready";
}

// Several events in a burst (a back-fill) make one refresh of each part, a moment after the last. An event comes when
// a session is computed, a little before storage has it: a refresh that finds storage behind the events tries again.
function later(part, delay = 800, retry = false) {
  if (!retry) state.retries[part] = 0;
  clearTimeout(state.timers[part]);
  state.timers[part] = setTimeout(async () => {
    await refresh(new Set(part === "performance" ? ["indexes", "performance"] : [part]));
    if (behind(part) && state.retries[part] < 10) {
      state.retries[part] += 1;
      later(part, 1000, true);
    }
  }, delay);
}

function latestLive(index) {
  const points = state.live[index];
  return points && points.length ? points[points.length - 1].date : "";
}

function behind(part) {
  const live = latestLive(state.index);
  if (part === "performance") return live > state.storedLast;
  if (part === "composition") return !state.compositionDate && live > state.compositionAsOf;
  if (part === "changes") return state.liveChange > state.shownChange;
  return false;
}

function upsert(series, point) {
  const at = series.findIndex((p) => p.date >= point.date);
  if (at === -1) series.push(point);
  else if (series[at].date === point.date) series[at] = point;
  else series.splice(at, 0, point);
}

function handle(name, data) {
  if (state.loading) { state.pending.push([name, data]); return; }
  if (name === "session") {
    const point = { date: data.date, level: data.level, daily_return: data.daily_return };
    upsert((state.live[data.index] = state.live[data.index] || []), point);
    if (data.index === state.index) upsert(state.primary, point);
    else if (data.index === state.compare) upsert(state.secondary, point);
    else return;
    renderPerformance();
    later("performance");
    if (!state.compositionDate) later("composition");
  } else if (name === "composition") {
    if (data.index !== state.index || (data.added.length === 0 && data.removed.length === 0)) return;
    if (data.date > state.liveChange) state.liveChange = data.date;
    later("changes");
  } else if (name === "job") {
    later("jobs", 300);
  } else if (name === "reset") {
    reload();
  }
}

function listen() {
  const status = $("live-status");
  const source = new EventSource("/events");
  source.onopen = () => { status.textContent = "live"; status.className = "live on"; };
  source.onerror = () => { status.textContent = "reconnecting…"; status.className = "live off"; };
  for (const name of ["session", "composition", "job", "reset"]) {
    source.addEventListener(name, (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      handle(name, data);
    });
  }
}

function start() {
  $("index-select").addEventListener("change", (e) => { state.index = e.target.value; reload(); });
  $("compare-select").addEventListener("change", (e) => { state.compare = e.target.value; state.compareChosen = true; reload(); });
  $("range-select").addEventListener("change", (e) => { state.range = e.target.value; refresh(new Set(["performance"])); });
  $("composition-date").addEventListener("change", (e) => { state.compositionDate = e.target.value; refresh(new Set(["composition"])); });
  $("controls").addEventListener("submit", (e) => e.preventDefault());
  let width = window.innerWidth;
  window.addEventListener("resize", () => {
    if (window.innerWidth === width) return;
    width = window.innerWidth;
    clearTimeout(state.timers.resize);
    state.timers.resize = setTimeout(() => { renderPerformance(); refresh(new Set(["composition"])); }, 200);
  });
  listen();
  reload();
}

document.addEventListener("DOMContentLoaded", start);
