// The calculator's page logic: form ⇄ URL, one call into the wasm binding
// (sdsl-web's `calculate`), and drawing what it returns. Nothing here
// computes a law, N*, α, γ or S: those come from the library (docs/web.md).
import init, { catalog, calculate } from "./pkg/sdsl_web.js";

const FIELDS = [
  "target", "target_params", "target_tokens", "draft_family", "draft_sizes", "draft_tokens",
  "loss_law", "alpha_law", "cost_model", "affine_t0", "affine_k", "gpu", "batch", "max_gamma",
];
const LATENCY = new Set(["h200-graph", "h200-eager", "roofline"]);
const DEFAULTS = { target: "OPT-13B", draft_family: "OPT", cost_model: "params" };
const $ = (id) => document.getElementById(id);
const timing = { start: performance.now() };

// 12.85e9 → "12.85B"; four significant digits
function fmtSize(n) {
  if (n == null || !Number.isFinite(n)) return "n/a";
  const units = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]];
  for (const [u, s] of units) if (Math.abs(n) >= u) return (n / u).toPrecision(4).replace(/\.?0+$/, "") + s;
  return n.toPrecision(4);
}
const fmt = (x, d = 4) => (x == null || !Number.isFinite(x) ? "n/a" : x.toFixed(d));

function option(sel, value, label) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  sel.append(o);
}

function fillMenus(cat) {
  for (const t of cat.targets) option($("target"), t.name, `${t.name} (${fmtSize(t.params)}, ${fmtSize(t.tokens)} tokens)`);
  option($("target"), "custom", "custom: by size (M, Dt)");
  option($("draft_family"), "", "none (N* only)");
  for (const f of cat.families) option($("draft_family"), f.name, `${f.name} (${f.drafts.map((d) => fmtSize(d.params)).join(", ")})`);
  option($("draft_family"), "custom", "custom sizes");
  for (const l of cat.loss_laws) option($("loss_law"), l, l);
  for (const l of cat.alpha_laws) option($("alpha_law"), l, l);
  for (const c of cat.cost_models) option($("cost_model"), c.id, c.label);
  for (const g of cat.gpus) option($("gpu"), g.id, `${g.name} (${g.id})`);
}

// the form's state: only the fields that apply, as typed
function readState() {
  const s = {};
  for (const f of FIELDS) s[f] = $(f).value.trim();
  const cost = s.cost_model;
  if (s.target !== "custom") { s.target_params = ""; s.target_tokens = ""; }
  if (s.draft_family !== "custom") s.draft_sizes = "";
  if (cost !== "affine") { s.affine_t0 = ""; s.affine_k = ""; }
  if (cost !== "roofline") s.gpu = "";
  if (!LATENCY.has(cost)) { s.batch = ""; s.max_gamma = ""; }
  return s;
}

// a link's value a menu does not offer: said next to the menu after the next update
let linkNotes = [];

function writeState(s) {
  linkNotes = [];
  for (const f of FIELDS) {
    const input = $(f);
    input.value = s[f];
    if (input.tagName === "SELECT" && (input.value !== s[f] || input.selectedIndex < 0)) {
      if (s[f] !== "") linkNotes.push({ field: f, message: `the link's value '${s[f]}' is not offered here; showing the default` });
      input.selectedIndex = 0;
    }
  }
}

function stateFromUrl() {
  const p = new URLSearchParams(location.hash.slice(1));
  const s = {};
  for (const f of FIELDS) s[f] = p.has(f) ? p.get(f) : (DEFAULTS[f] ?? "");
  return s;
}

function stateToUrl(s) {
  const p = new URLSearchParams();
  for (const f of FIELDS) if (s[f] !== "" || f in DEFAULTS) p.set(f, s[f]);
  const hash = "#" + p.toString();
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

// show the rows that apply to the chosen target, drafts and cost model
function showRows() {
  const cost = $("cost_model").value;
  const on = {
    "custom-target": $("target").value === "custom",
    "custom-drafts": $("draft_family").value === "custom",
    affine: cost === "affine",
    roofline: cost === "roofline",
    latency: LATENCY.has(cost),
  };
  for (const row of document.querySelectorAll("[data-when]")) row.hidden = !on[row.dataset.when];
}

function clearErrors() {
  for (const e of document.querySelectorAll(".err")) e.textContent = "";
  for (const i of document.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
}

function showErrors(errors) {
  for (const e of errors) {
    const slot = $("err-" + e.field) || $("err-result");
    slot.textContent = e.message;
    const input = $(e.field);
    if (input) input.setAttribute("aria-invalid", "true");
  }
  $("results").classList.add("stale");
}

function render(r) {
  const p = r.predict;
  $("results").classList.remove("stale");
  $("out-nstar").textContent = fmtSize(p.n_star);
  $("out-nstar").title = p.n_star.toExponential(6);
  $("out-alpha").textContent = fmt(p.alpha);
  $("out-gamma").textContent = String(p.gamma_star_int);
  $("out-speedup").textContent = fmt(p.speedup_int, 3) + "×";
  $("out-ms").textContent = p.ms_per_token == null ? "n/a (no latency model)" : `${fmt(p.ms_per_token, 3)} ms`;
  const parts = [`N*/M = ${p.n_star_over_m.toExponential(3)}`, `c(N*) = ${p.cost_ratio.toExponential(3)}`];
  if (p.gamma_star != null) parts.push(`γ* (continuous) = ${fmt(p.gamma_star, 3)}, S* = ${fmt(p.speedup, 4)}`);
  else parts.push("γ* and S* at a continuous γ are n/a under a measured verification cost");
  if (p.hardware) parts.push(`on ${p.hardware}: ${fmt(p.tokens_per_s, 1)} tokens/s`);
  if (p.fits_memory === false) parts.push("does not fit the device's memory");
  parts.push(`target ${p.target ?? "by size"}: M = ${fmtSize(p.target_params)}, Dt = ${fmtSize(p.target_tokens)}; drafts trained on ${fmtSize(p.draft_tokens)} tokens`);
  $("out-detail").textContent = parts.join(" · ");

  const tbody = $("drafts").querySelector("tbody");
  tbody.replaceChildren();
  (p.family_drafts || []).forEach((d, i) => {
    const tr = document.createElement("tr");
    if (d.name === p.best_family_draft) tr.className = "best";
    const ms = r.draft_ms_per_token[i];
    const cells = [d.name, fmtSize(d.params), fmt(d.alpha), String(d.gamma_star_int), fmt(d.speedup_int, 3),
      d.measured ? `${fmt(d.measured.speedup, 3)} (γ ${d.measured.gamma})` : "–", ms == null ? "–" : fmt(ms, 3)];
    for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.append(td); }
    tbody.append(tr);
  });
  $("drafts").hidden = !(p.family_drafts || []).length;
  $("out-cli").textContent = r.cli;
  const warnings = [...(p.warnings || []), ...r.profile_warnings];
  $("warnings").replaceChildren(...warnings.map((w) => { const li = document.createElement("li"); li.textContent = w; return li; }));
  drawPlot(r);
}

// ---- the S-versus-N plot (SVG), hover shows the point's N, α, γ, S
const W = 640, H = 320, M = { l: 52, r: 16, t: 14, b: 40 };
const NS = "http://www.w3.org/2000/svg";
let plotted = null;

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function drawPlot(r) {
  const svg = $("plot");
  const pts = r.curve;
  const lx0 = Math.log10(pts[0].n), lx1 = Math.log10(pts[pts.length - 1].n);
  const smax = Math.max(...pts.map((q) => q.s), 1.05);
  const ymax = Math.ceil(smax * 10) / 10 + 0.1, ymin = Math.max(0, Math.min(...pts.map((q) => q.s)) - 0.05);
  const x = (n) => M.l + ((Math.log10(n) - lx0) / (lx1 - lx0)) * (W - M.l - M.r);
  const y = (s) => H - M.b - ((s - ymin) / (ymax - ymin)) * (H - M.t - M.b);
  const kids = [];
  for (let d = Math.ceil(lx0); d <= Math.floor(lx1); d++) {
    kids.push(el("line", { x1: x(10 ** d), x2: x(10 ** d), y1: M.t, y2: H - M.b, class: "grid" }));
    kids.push(el("text", { x: x(10 ** d), y: H - M.b + 16, "text-anchor": "middle" }, fmtSize(10 ** d)));
  }
  const step = ymax - ymin > 1.5 ? 0.5 : 0.25;
  for (let s = Math.ceil(ymin / step) * step; s <= ymax + 1e-9; s += step) {
    kids.push(el("line", { x1: M.l, x2: W - M.r, y1: y(s), y2: y(s), class: "grid" }));
    kids.push(el("text", { x: M.l - 6, y: y(s) + 4, "text-anchor": "end" }, s.toFixed(2)));
  }
  kids.push(el("text", { x: (M.l + W - M.r) / 2, y: H - 6, "text-anchor": "middle", class: "axis" }, "draft parameters N"));
  kids.push(el("text", { x: 14, y: (M.t + H - M.b) / 2, "text-anchor": "middle", class: "axis", transform: `rotate(-90 14 ${(M.t + H - M.b) / 2})` }, "speed-up S"));
  kids.push(el("polyline", { points: pts.map((q) => `${x(q.n).toFixed(2)},${y(q.s).toFixed(2)}`).join(" "), class: "curve" }));
  const p = r.predict;
  kids.push(el("line", { x1: x(p.n_star), x2: x(p.n_star), y1: M.t, y2: H - M.b, class: "nstar" }));
  kids.push(el("text", { x: x(p.n_star) + 4, y: M.t + 12, class: "label" }, `N* = ${fmtSize(p.n_star)}`));
  for (const d of p.family_drafts || []) {
    const s = d.speedup_int;
    kids.push(el("circle", { cx: x(d.params), cy: y(s), r: 4, class: "draft" }, undefined));
    kids.push(el("text", { x: x(d.params) + 5, y: y(s) - 6, class: "label small" }, d.name));
  }
  const cursor = el("circle", { r: 5, class: "cursor", cx: -10, cy: -10 });
  kids.push(cursor);
  svg.replaceChildren(...kids);
  plotted = { pts, x, y, cursor };
}

function hover(ev) {
  if (!plotted) return;
  const svg = $("plot");
  const box = svg.getBoundingClientRect();
  const px = ((ev.clientX - box.left) / box.width) * W;
  let best = plotted.pts[0], dist = Infinity;
  for (const q of plotted.pts) { const d = Math.abs(plotted.x(q.n) - px); if (d < dist) { dist = d; best = q; } }
  plotted.cursor.setAttribute("cx", plotted.x(best.n));
  plotted.cursor.setAttribute("cy", plotted.y(best.s));
  const tip = $("tooltip");
  const gamma = best.gamma_star != null ? `${best.gamma_int} (γ* ${fmt(best.gamma_star, 2)})` : String(best.gamma_int);
  tip.textContent = `N = ${fmtSize(best.n)} · α = ${fmt(best.alpha)} · γ = ${gamma} · S = ${fmt(best.s, 3)}`;
  tip.hidden = false;
}

// ---- one calculation: form → binding → page and URL
function update() {
  showRows();
  const s = readState();
  stateToUrl(s);
  clearErrors();
  const out = JSON.parse(calculate(JSON.stringify(s)));
  if (out.errors) showErrors(out.errors);
  else render(out.result);
  for (const n of linkNotes) $("err-" + n.field).textContent = n.message;
  linkNotes = [];
  return out;
}

async function main() {
  await init();
  timing.wasm_ready = performance.now();
  const cat = JSON.parse(catalog());
  if (cat.errors) { showErrors(cat.errors); return; }
  fillMenus(cat);
  writeState(stateFromUrl());
  update();
  timing.first_result = performance.now();
  $("timing").textContent = `wasm loaded in ${(timing.wasm_ready - timing.start).toFixed(1)} ms; first result ${(timing.first_result - timing.wasm_ready).toFixed(1)} ms later (${timing.first_result.toFixed(0)} ms after navigation start).`;
  window.sdslTiming = timing;
  $("form").addEventListener("input", update);
  $("form").addEventListener("change", update);
  $("form").addEventListener("submit", (e) => e.preventDefault());
  window.addEventListener("hashchange", () => { writeState(stateFromUrl()); update(); });
  $("plot").addEventListener("mousemove", hover);
  $("plot").addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  $("err-result").textContent = `the calculator could not start: ${e}`;
});
