// The desk's pages: plain DOM, no build step. Every value from the catalog is set as text (never as
// HTML), so a key named <script> shows as those characters.
"use strict";

const PAGES = ["search", "calendar", "history", "runs", "holds"];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "onclick") e.addEventListener("click", v);
    else if (v !== null && v !== undefined) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c === null || c === undefined ? "" : c);
  return e;
}

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v : v.toFixed(1)) + " " + units[i];
}

function count(n) { return Number(n).toLocaleString("en-US"); }

// A time in a table cell: to the second, UTC; the full value (milliseconds) in its tooltip.
function when(t) { return t ? el("span", { title: t }, t.slice(0, 19).replace("T", " ")) : "-"; }

// A pack id: its first 8 characters, the whole id in the tooltip (ids are UUIDs).
function packCell(id, suffix) {
  return el("td", { class: "key", title: id || "" }, id ? id.slice(0, 8) + "…" + (suffix || "") : "-");
}

function showError(message) {
  const e = document.getElementById("error");
  e.textContent = message;
  e.hidden = !message;
}

async function api(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  const res = await fetch(path + (q.toString() ? "?" + q : ""));
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  showError("");
  return body;
}

function formValues(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) out[k] = String(v).trim();
  return out;
}

function table(id, headers, rows) {
  const t = document.getElementById(id);
  t.replaceChildren(el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows));
}

// ---------------------------------------------------------------- navigation

function show(page, params) {
  for (const p of PAGES) {
    document.getElementById("page-" + p).hidden = p !== page;
    document.getElementById("nav-" + p).classList.toggle("active", p === page);
  }
  if (params) {
    const form = document.getElementById(page + "-form");
    for (const [k, v] of Object.entries(params)) if (form && form.elements[k]) form.elements[k].value = v;
  }
  if (page === "runs") guard(loadRuns)(0);
  if (page === "holds") guard(loadHolds)();
}

function route() {
  const [page, query] = (location.hash.slice(1) || "search").split("?");
  const params = Object.fromEntries(new URLSearchParams(query || ""));
  show(PAGES.includes(page) ? page : "search", params);
  if (page === "history" && params.key) guard(loadHistory)();
}

// ---------------------------------------------------------------- search

let searchPage = 0;

function versionRow(f, withKeyLink) {
  const v = f.version;
  const keyCell = withKeyLink
    ? el("td", { class: "key" }, el("a", { onclick: () => openHistory(v.bucket, v.key) }, v.key))
    : el("td", { class: "key" }, v.version_id === null ? "(null)" : v.version_id);
  return el("tr", { class: "version" }, keyCell,
    el("td", {}, when(v.last_modified)), el("td", { class: "num" }, v.status === "DELETE_MARKER" ? "-" : bytes(v.size)),
    el("td", {}, v.retention_class), el("td", {}, when(v.retain_until)),
    packCell(v.pack_id),
    el("td", { class: "state-" + f.state }, f.state.toLowerCase() + (f.held_by.length ? " (" + f.held_by.join(", ") + ")" : "")
      + (v.disposed_at ? " " + v.disposed_at : "")));
}

const VERSION_HEADERS = ["key", "last modified", "size", "class", "retain until", "pack", "state"];

async function search(page) {
  const form = document.getElementById("search-form");
  const params = formValues(form);
  const r = await api("/api/search", { ...params, page });
  searchPage = page;
  document.getElementById("search-summary").textContent =
    count(r.objects) + " object(s), " + bytes(r.bytes) + (r.query.as_of ? " as of " + r.query.as_of : " now");
  table("search-results", VERSION_HEADERS, r.versions.map((f) => versionRow(f, true)));
  document.getElementById("search-page").textContent = r.pages ? "page " + (r.page + 1) + " of " + r.pages : "";
  document.getElementById("search-prev").disabled = r.page === 0;
  document.getElementById("search-next").disabled = r.page + 1 >= r.pages;
  document.getElementById("search-estimate").disabled = r.objects === 0;
  document.getElementById("search-estimate-out").replaceChildren();
}

function selection(params) {
  const out = {};
  for (const k of ["bucket", "prefix", "glob", "as_of", "class", "rule"]) if (params[k]) out[k] = params[k];
  return out;
}

async function estimate(params, target) {
  const e = await api("/api/estimate", selection(params));
  const out = document.getElementById(target);
  const rows = e.tiers.map((t) => el("tr", {}, el("td", {}, t.tier), el("td", {}, t.available ? "yes" : "no"),
    el("td", { class: "num" }, "$" + t.total.toFixed(4)), el("td", { class: "num" }, e.packs_to_thaw ? t.hours + " h" : "none (readable now)")));
  out.replaceChildren(
    el("p", {}, count(e.objects) + " object(s), " + bytes(e.bytes) + " in " + count(e.packs) + " pack(s); "
      + count(e.packs_to_thaw) + " pack(s) (" + bytes(e.bytes_to_thaw) + ") to thaw; " + count(e.get_requests)
      + " GET request(s); thawed copies kept " + e.days + " day(s). Nothing has been thawed."),
    el("p", {}, "Restore:"), el("code", { class: "restore-command" }, e.restore_command),
    el("p", {}, "Export with manifests:"), el("code", { class: "export-command" }, e.export_command),
    el("table", { class: "tiers" }, el("thead", {}, el("tr", {}, el("th", {}, "tier"), el("th", {}, "available"),
      el("th", {}, "cost"), el("th", {}, "typical time to thaw"))), el("tbody", {}, ...rows)));
}

// ---------------------------------------------------------------- calendar

let calendarData = null;
let calendarParams = null;

function endOfDay(day) { return day + "T23:59:59.999Z"; }

async function loadCalendar() {
  const params = formValues(document.getElementById("calendar-form"));
  const query = { bucket: params.bucket, year: params.year };
  if (params.key) query.key = params.key; else query.prefix = params.prefix;
  const c = await api("/api/calendar", query);
  calendarData = c;
  calendarParams = params;
  document.getElementById("calendar-summary").textContent = (c.exact_key ? "key " : "prefix ") + (c.prefix || "(all)")
    + " in " + c.year + ": " + count(c.created) + " version(s) created, " + count(c.deleted) + " deleted, "
    + count(c.archived) + " archived. Pick a day to see what existed at its end.";
  drawCalendar(params.measure || "created");
}

function drawCalendar(measure) {
  const c = calendarData;
  const byDay = Object.fromEntries(c.days.map((d) => [d.day, d]));
  const max = Math.max(1, ...c.days.map((d) => d[measure]));
  const months = [];
  for (let m = 0; m < 12; m++) {
    const first = new Date(Date.UTC(c.year, m, 1));
    const days = el("div", { class: "days" }, ...["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"].map((d) => el("span", { class: "weekday" }, d)));
    for (let i = 0; i < (first.getUTCDay() + 6) % 7; i++) days.append(el("span", { class: "blank" }, "."));
    for (let d = 1; d <= new Date(Date.UTC(c.year, m + 1, 0)).getUTCDate(); d++) {
      const day = c.year + "-" + String(m + 1).padStart(2, "0") + "-" + String(d).padStart(2, "0");
      const n = byDay[day] ? byDay[day][measure] : 0;
      const level = n === 0 ? "" : "l" + Math.min(4, 1 + Math.floor((3 * n) / max));
      const title = day + ": " + (byDay[day] ? byDay[day].created + " created, " + byDay[day].deleted + " deleted, "
        + byDay[day].archived + " archived" : "nothing");
      days.append(el("button", { type: "button", class: level, "data-day": day, "data-count": n, title,
        onclick: () => pickDay(day) }, String(d)));
    }
    months.push(el("div", { class: "month" }, el("h4", {}, first.toLocaleString("en-US", { month: "long", timeZone: "UTC" })), days));
  }
  document.getElementById("calendar-grid").replaceChildren(...months);
}

let dayQuery = null;

async function pickDay(day) {
  for (const b of document.querySelectorAll(".days button")) b.classList.toggle("picked", b.dataset.day === day);
  const p = calendarParams;
  dayQuery = { bucket: p.bucket, prefix: p.key || p.prefix, as_of: endOfDay(day) };
  const r = await api("/api/search", { ...dayQuery, page_size: 1000 });
  document.getElementById("day-title").textContent = "What existed at the end of " + day + " (UTC)";
  document.getElementById("day-summary").textContent = count(r.objects) + " object(s), " + bytes(r.bytes)
    + (r.pages > 1 ? "; the first 1,000 are listed (Search pages through all)" : "");
  const rows = r.versions.filter((f) => !p.key || f.version.key === p.key);
  table("day-results", VERSION_HEADERS, rows.map((f) => versionRow(f, true)));
  document.getElementById("day-estimate").hidden = r.objects === 0;
  document.getElementById("day-estimate-out").replaceChildren();
}

// ---------------------------------------------------------------- history

function openHistory(bucket, key) {
  const hash = "#history?" + new URLSearchParams({ bucket, key });
  if (location.hash === hash) route(); else location.hash = hash;
}

async function loadHistory() {
  const params = formValues(document.getElementById("history-form"));
  if (!params.key) return;
  const h = await api("/api/history", { bucket: params.bucket, key: params.key });
  document.getElementById("history-summary").textContent = "s3://" + h.bucket + "/" + h.key + ": "
    + h.versions.length + " version(s) and delete marker(s), newest first";
  table("history-results", ["version id", "status", "last modified", "size", "class", "retain until", "sha256", "pack",
    "storage", "lock", "state"], h.versions.map((f) => {
    const v = f.version;
    const pack = v.pack_id ? h.packs[v.pack_id] : null;
    return el("tr", { class: "version" }, el("td", { class: "key" }, v.version_id === null ? "(null)" : v.version_id),
      el("td", {}, v.status.replace("_", " ").toLowerCase()), el("td", {}, when(v.last_modified)),
      el("td", { class: "num" }, v.status === "DELETE_MARKER" ? "-" : bytes(v.size)), el("td", {}, v.retention_class),
      el("td", {}, when(v.retain_until)), el("td", { class: "key", title: v.sha256 || "" }, v.sha256 ? v.sha256.slice(0, 16) + "…" : "-"),
      packCell(v.pack_id, v.deduplicated ? " (dedup)" : ""),
      el("td", {}, pack ? pack.storage_class : "-"),
      el("td", {}, pack && pack.lock_mode ? pack.lock_mode + " until " + pack.locked_until.slice(0, 10) : "-"),
      el("td", { class: "state-" + f.state }, f.state.toLowerCase() + (f.held_by.length ? " (" + f.held_by.join(", ") + ")" : "")));
  }));
}

// ---------------------------------------------------------------- runs and holds

let runsPage = 0;

function runRow(r) {
  return el("tr", { class: "run" }, el("td", {}, when(r.started_at)), el("td", {}, r.job),
    el("td", { class: "status-" + r.status }, r.status), el("td", {}, when(r.ended_at)),
    el("td", { class: "key" }, r.arguments.join(" ")), el("td", {}, r.user || ""),
    el("td", {}, Object.entries(r.counts).map(([k, v]) => k + " " + count(v)).join(", ")),
    el("td", {}, r.error || ""));
}

const RUN_HEADERS = ["started", "job", "status", "ended", "arguments", "user", "counts", "error"];

async function loadRuns(page) {
  const r = await api("/api/runs", { page, page_size: 50 });
  runsPage = page;
  table("runs-failures", RUN_HEADERS, r.failures.length ? r.failures.map(runRow)
    : [el("tr", {}, el("td", { colspan: 8 }, "No failed run."))]);
  table("runs-all", RUN_HEADERS, r.runs.map(runRow));
  const pages = Math.ceil(r.total / r.page_size);
  document.getElementById("runs-page").textContent = count(r.total) + " run(s); page " + (page + 1) + " of " + Math.max(1, pages);
  document.getElementById("runs-prev").disabled = page === 0;
  document.getElementById("runs-next").disabled = page + 1 >= pages;
}

async function loadHolds() {
  const h = await api("/api/holds");
  table("holds-cases", ["case", "state", "reason", "placed", "by", "packs held", "versions held", "released", "selection"],
    h.cases.map((c) => el("tr", { class: "case" }, el("td", {}, c.case_id), el("td", {}, c.released_at ? "released" : "open"),
      el("td", {}, c.reason), el("td", {}, c.placed_at), el("td", {}, c.placed_by), el("td", { class: "num" }, count(c.packs_held)),
      el("td", { class: "num" }, count(c.versions_held)), el("td", {}, c.released_at || "-"), el("td", { class: "key" }, c.selector))));
}

// ---------------------------------------------------------------- wiring

function guard(f) {
  return (...args) => f(...args).catch((e) => showError(e.message));
}

document.addEventListener("DOMContentLoaded", guard(async () => {
  document.getElementById("search-form").addEventListener("submit", (e) => { e.preventDefault(); guard(search)(0); });
  document.getElementById("search-prev").addEventListener("click", () => guard(search)(searchPage - 1));
  document.getElementById("search-next").addEventListener("click", () => guard(search)(searchPage + 1));
  document.getElementById("search-estimate").addEventListener("click",
    () => guard(estimate)(formValues(document.getElementById("search-form")), "search-estimate-out"));
  document.getElementById("calendar-form").addEventListener("submit", (e) => { e.preventDefault(); guard(loadCalendar)(); });
  document.getElementById("calendar-form").elements.measure.addEventListener("change",
    (e) => { if (calendarData) drawCalendar(e.target.value); });
  document.getElementById("day-estimate").addEventListener("click", () => guard(estimate)(dayQuery, "day-estimate-out"));
  document.getElementById("history-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const p = formValues(e.target);
    openHistory(p.bucket, p.key);
  });
  document.getElementById("runs-prev").addEventListener("click", () => guard(loadRuns)(runsPage - 1));
  document.getElementById("runs-next").addEventListener("click", () => guard(loadRuns)(runsPage + 1));
  document.getElementById("calendar-form").elements.year.value = new Date().getUTCFullYear();
  const b = await api("/api/buckets");
  for (const select of document.querySelectorAll("select.buckets")) {
    select.replaceChildren(...b.buckets.map((name) => el("option", { value: name }, name)));
  }
  window.addEventListener("hashchange", route);
  route();
}));
