// mlcd report: the charts across runs (runs/charts.html) for the metric
// and param a reader picks, and parallel coordinates. The page draws the
// promotion metric as SVG written by mlcd; this draws the same charts the
// same way (reports/pointchart.go) for any other choice, from the runs'
// values the page carries as JSON (reports/chartsdata.go). Works from
// file:// (no fetch, no modules); every value is written with textContent.
"use strict";
(function () {
  var COLORS = ["#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#1b7c83", "#57606a"];
  var SVGNS = "http://www.w3.org/2000/svg";
  var SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  // A run: [sel, "pipeline/id", start unix, commit index, "prod task\n…", [metric values], [param values]].
  var SEL = 0, NAME = 1, START = 2, COMMIT = 3, PROD = 4, VALS = 5, PARAMS = 6;

  function $(sel) { return document.querySelector(sel); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function short(v) { return String(Number(v.toPrecision(6))); }
  function round1(v) { return Math.round(v * 10) / 10; }
  function num(s) { return typeof s === "string" && s.trim() !== "" ? Number(s) : NaN; }

  // ---- ticks at 1, 2 or 5 × 10^n, as reports/ticks.go ----
  function niceStep(span, n) {
    if (!(span > 0) || !isFinite(span)) { return 1; }
    var raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
  }
  function niceTicks(lo, hi, n, minStep) {
    var step = Math.max(niceStep(hi - lo, n), minStep), out = [];
    if (!isFinite(lo) || !isFinite(hi) || hi < lo) { return { ticks: out, step: step }; }
    if (hi === lo) { return { ticks: [lo], step: Math.max(niceStep(Math.abs(lo) * 1e-3, 1), minStep) }; }
    for (var k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9 && out.length <= 2 * n + 2; k++) { out.push(k * step); }
    return { ticks: out, step: step };
  }
  function formatNice(v, step) {
    if (Math.abs(v) < step * 1e-6) { return "0"; }
    if (Math.abs(v) >= 1e6 || step < 1e-4) { return v.toPrecision(3); }
    var d = step < 1 ? Math.ceil(-Math.log10(step) - 1e-9) : 0, s = v.toFixed(d);
    return d > 0 ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
  }
  function isoTime(unix) { return new Date(unix * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z"; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function timeTick(unit) {
    return function (v, step) {
      var t = new Date(Math.round(v * unit) * 1000), secs = step * unit, day = MONTHS[t.getUTCMonth()] + " " + t.getUTCDate();
      var hm = pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes());
      return secs < 60 ? hm + ":" + pad(t.getUTCSeconds()) : secs < 86400 ? day + " " + hm : day;
    };
  }
  function truncate(s, n) { var r = Array.from(s); return r.length <= n ? s : r.slice(0, n - 1).join("") + "\u2026"; }
  // indexLabel labels integer ticks with names[i], others with nothing.
  function indexLabel(names) {
    return function (v) {
      var i = Math.round(v);
      return i < 0 || i >= names.length || Math.abs(v - i) > 1e-6 ? "" : names[i];
    };
  }

  // ---- a point chart, as reports/pointchart.go draws one ----
  function pointChart(title, xLabel, yLabel, series, pts, xTick, minXStep) {
    var W = 640, H = 260, L = 62, T = 12, R = W - 36, B = H - 40;
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    pts.forEach(function (p) { x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x); y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y); });
    if (x0 === Infinity) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
    var padX = Math.max((x1 - x0) / 20, minXStep / 2, 1e-9), padY = Math.max((y1 - y0) / 20, Math.abs(y1) / 1e4, 1e-9);
    x0 -= padX; x1 += padX; y0 -= padY; y1 += padY;
    function sx(x) { return round1(L + (x - x0) / (x1 - x0) * (R - L)); }
    function sy(y) { return round1(B - (y - y0) / (y1 - y0) * (B - T)); }
    var svg = svgEl("svg", { "class": "chart", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title });
    svg.appendChild(svgEl("path", { fill: "none", stroke: "#888", d: "M" + L + " " + T + "V" + B + "H" + R }));
    var mid = svgEl("g", { "class": "mid" }), end = svgEl("g", { "class": "end" });
    var xt = niceTicks(x0, x1, 5, minXStep);
    xt.ticks.forEach(function (v) { mid.appendChild(svgEl("text", { x: sx(v), y: B + 14 }, (xTick || formatNice)(v, xt.step))); });
    mid.appendChild(svgEl("text", { x: round1((L + R) / 2), y: H - 8 }, xLabel));
    mid.appendChild(svgEl("text", { transform: "translate(10 " + round1((T + B) / 2) + ") rotate(-90)" }, yLabel));
    var yt = niceTicks(y0, y1, 4, 0);
    yt.ticks.forEach(function (v) { end.appendChild(svgEl("text", { x: L - 4, y: sy(v) + 4 }, formatNice(v, yt.step))); });
    svg.appendChild(mid);
    svg.appendChild(end);
    pts.forEach(function (p) {
      var c = svgEl("circle", { "class": "pt" + (p.mark ? " mark" : ""), "data-s": p.s, cx: sx(p.x), cy: sy(p.y), r: p.mark ? 6 : 3, fill: COLORS[p.s % COLORS.length] });
      c.appendChild(svgEl("title", {}, p.title));
      if (p.href) {
        var a = svgEl("a", { href: p.href });
        a.appendChild(c);
        svg.appendChild(a);
      } else {
        svg.appendChild(c);
      }
    });
    var fig = el("figure", undefined, "points"), cap = el("figcaption", title);
    fig.appendChild(svg);
    series.forEach(function (label, i) {
      var b = el("button", "\u25A0 " + label, "series");
      b.type = "button";
      b.setAttribute("data-s", String(i));
      b.style.color = COLORS[i % COLORS.length];
      cap.appendChild(document.createTextNode(" "));
      cap.appendChild(b);
    });
    cap.appendChild(document.createTextNode(" "));
    cap.appendChild(el("output", undefined, "hover"));
    fig.appendChild(cap);
    if (window.mlcdPoints) { window.mlcdPoints(fig); }
    return fig;
  }

  // ---- the page's data and the reader's choice ----
  var D = null;
  function href(r) {
    return r[SEL].split("/").every(function (p) { return SLUG.test(p); }) ? r[SEL] + ".html" : "";
  }
  function group(name) {
    for (var i = 0; i < D.groups.length; i++) { if (D.groups[i][0] === name) { return D.groups[i]; } }
    return D.groups[0];
  }
  // points makes a dot for each run x places and each column of g.
  function points(g, x) {
    var pts = [];
    D.runs.forEach(function (r) {
      var at = x(r);
      if (!at) { return; }
      var prod = r[PROD] ? r[PROD].split("\n") : [];
      g[1].forEach(function (col, s) {
        var text = r[VALS][col], y = num(text);
        if (!isFinite(y) || !isFinite(at.x)) { return; }
        var name = D.cols[col], task = name.slice(0, Math.max(0, name.length - g[0].length - 1));
        var mark = prod.indexOf(task) >= 0;
        var title = r[NAME] + " \u00B7 " + name + " = " + text + " \u00B7 " + at.text + " \u00B7 commit " + D.commits[r[COMMIT]].slice(0, 12);
        pts.push({ x: at.x, y: y, s: s, href: href(r), title: mark ? title + " \u00B7 Production" : title, mark: mark });
      });
    });
    return pts;
  }
  function labels(g) { return g[1].map(function (c) { return D.cols[c]; }); }
  function overTime(g) {
    var starts = D.runs.map(function (r) { return r[START]; }).filter(Boolean);
    var span = starts.length ? starts[starts.length - 1] - starts[0] : 0;
    var unit = span < 600 ? 1 : span < 36000 ? 60 : span < 259200 ? 3600 : 86400;
    var pts = points(g, function (r) { return r[START] ? { x: r[START] / unit, text: isoTime(r[START]) } : null; });
    return pointChart(labels(g).join(", ") + " over time (ringed: Production)", "run start (UTC)", g[0], labels(g), pts, timeTick(unit), 1);
  }
  function byCommit(g) {
    var pts = points(g, function (r) { return { x: r[COMMIT], text: r[START] ? isoTime(r[START]) : "" }; });
    var names = D.commits.map(function (c) { return c.slice(0, 7); });
    return pointChart(labels(g).join(", ") + " by commit (ringed: Production)", "commit", g[0], labels(g), pts, indexLabel(names), 1);
  }
  // paramAxis reads the param at index pi of every run: numbers on a
  // scale, other values one place each, in order.
  function paramAxis(pi) {
    var numeric = true, seen = {}, cats = [];
    D.runs.forEach(function (r) {
      var v = r[PARAMS][pi];
      if (v === "") { return; }
      if (!isFinite(num(v))) { numeric = false; }
      if (!seen[v]) { seen[v] = true; cats.push(v); }
    });
    cats.sort();
    return {
      numeric: numeric, cats: cats,
      at: function (r) {
        var v = r[PARAMS][pi];
        return v === "" ? null : numeric ? num(v) : cats.indexOf(v);
      }
    };
  }
  function scatter(g, x) {
    var pi = D.params.indexOf(x);
    if (pi < 0) { return el("p", "No param takes more than one value in these runs.", "muted"); }
    var ax = paramAxis(pi);
    var pts = points(g, function (r) { var v = ax.at(r); return v === null ? null : { x: v, text: x + " = " + r[PARAMS][pi] }; });
    var tick = ax.numeric ? null : indexLabel(ax.cats.map(function (c) { return truncate(c, 14); }));
    return pointChart(x + " against " + labels(g).join(", "), x, g[0], labels(g), pts, tick, ax.numeric ? 0 : 1);
  }

  // ---- parallel coordinates: an axis per varying param and per column
  // of the metric, one line per run, coloured by the metric's first column ----
  function parallel(g) {
    var axes = [];
    D.params.slice(0, 12).forEach(function (name, pi) {
      var ax = paramAxis(pi), vals = D.runs.map(ax.at);
      axes.push({ name: name, vals: vals, text: function (r) { return r[PARAMS][pi]; }, cats: ax.numeric ? null : ax.cats });
    });
    g[1].forEach(function (col) {
      axes.push({ metric: true, name: D.cols[col], vals: D.runs.map(function (r) { var v = num(r[VALS][col]); return isFinite(v) ? v : null; }), text: function (r) { return r[VALS][col]; } });
    });
    axes.forEach(function (a) {
      var nums = a.vals.filter(function (v) { return v !== null; });
      a.lo = Math.min.apply(null, nums); a.hi = Math.max.apply(null, nums);
    });
    axes = axes.filter(function (a) { return isFinite(a.lo); });
    var box = el("div");
    if (axes.length < 2) { box.appendChild(el("p", "Fewer than two axes: no param varies in these runs.", "muted")); return box; }
    var T = 40, B = 40, H = 300, L = 90, gap = Math.max(80, Math.min(160, 900 / axes.length)), W = L * 2 + gap * (axes.length - 1);
    var svg = svgEl("svg", { "class": "chart", width: W, height: H, role: "img", "aria-label": "parallel coordinates of " + labels(g).join(", ") });
    function y(a, v) { return round1(a.hi === a.lo ? (T + H - B) / 2 : H - B - (v - a.lo) / (a.hi - a.lo) * (H - T - B)); }
    // Lines are coloured by the metric's first column that varies.
    var metricAxes = axes.filter(function (a) { return a.metric; });
    var colour = metricAxes.filter(function (a) { return a.hi > a.lo; })[0] || metricAxes[0], better = g[0] === D.metric && D.goal === "min" ? -1 : 1;
    axes.forEach(function (a, i) {
      var x = L + gap * i;
      svg.appendChild(svgEl("line", { x1: x, y1: T, x2: x, y2: H - B, stroke: "#888" }));
      svg.appendChild(svgEl("text", { x: x, y: T - 22, "text-anchor": "middle", "class": "axis-name" }, truncate(a.name, 22)));
      svg.appendChild(svgEl("text", { x: x + 3, y: T - 6 }, a.cats ? truncate(a.cats[a.cats.length - 1], 12) : short(a.hi)));
      if (a.hi > a.lo) { svg.appendChild(svgEl("text", { x: x + 3, y: H - B + 14 }, a.cats ? truncate(a.cats[0], 12) : short(a.lo))); }
    });
    D.runs.forEach(function (r, ri) {
      var pts = [], parts = [];
      axes.forEach(function (a, i) {
        if (a.vals[ri] === null) { return; }
        pts.push((L + gap * i) + "," + y(a, a.vals[ri]));
        parts.push(a.name + " = " + a.text(r));
      });
      if (pts.length < 2) { return; }
      var t = !colour || colour.vals[ri] === null || colour.hi === colour.lo ? 0.5 : (colour.vals[ri] - colour.lo) / (colour.hi - colour.lo);
      if (better < 0) { t = 1 - t; }
      var line = svgEl("polyline", { "class": "pc", points: pts.join(" "), fill: "none", "stroke-width": 1.5, stroke: "hsl(" + Math.round(t * 120) + ",70%,40%)" });
      line.appendChild(svgEl("title", {}, r[NAME] + " \u00B7 " + parts.join(" \u00B7 ")));
      var h = href(r);
      if (h) { var a = svgEl("a", { href: h }); a.appendChild(line); svg.appendChild(a); } else { svg.appendChild(line); }
    });
    var fig = el("figure", undefined, "parallel"), wrap = el("div");
    wrap.style.overflowX = "auto";
    wrap.appendChild(svg);
    fig.appendChild(wrap);
    var cap = el("figcaption", D.runs.length + " runs" + (colour ? "; colour: " + colour.name + (g[0] === D.metric ? " (green is better)" : " (green is higher)") : "") + " ");
    var out = el("output", undefined, "hover");
    cap.appendChild(out);
    fig.appendChild(cap);
    svg.addEventListener("mouseover", function (e) {
      var t = e.target.querySelector && e.target.tagName === "polyline" ? e.target.querySelector("title") : null;
      if (t) { out.textContent = t.textContent; }
    });
    return fig;
  }

  // ---- the choice lives in the address: #metric=…&x=… ----
  function readHash() {
    var o = {};
    window.location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i <= 0) { return; }
      try { o[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); } catch (e) { /* a mangled value is ignored */ }
    });
    return o;
  }
  function replace(id, node) {
    var box = $(id);
    box.textContent = "";
    box.appendChild(node);
  }
  // keepRuns narrows the runs drawn to those the address names
  // (#runs=<sel>,…, as "chart selected" in the runs table writes it) and
  // says how many of them the page holds.
  function keepRuns(list) {
    var want = {}, n = 0;
    list.split(",").forEach(function (s) { if (s) { want[s] = true; n++; } });
    D.runs = D.runs.filter(function (r) { return want[r[SEL]]; });
    var note = el("p", D.runs.length + " of the " + n + " selected runs drawn" +
      (D.runs.length < n ? ": the others are older than the latest runs this page holds (compare them from the runs table)" : "") + ".", "muted");
    note.id = "charts-selected";
    var controls = $("#chart-controls");
    controls.parentNode.insertBefore(note, controls.nextSibling);
  }
  function draw(metric, x, all) {
    var g = group(metric);
    if (all) {
      replace("#chart-time", overTime(g));
      replace("#chart-commit", byCommit(g));
      replace("#chart-scatter", scatter(g, x));
      var none = $("#charts-none");
      if (none) { none.parentNode.removeChild(none); }
    }
    replace("#chart-parallel", parallel(g));
  }
  function init() {
    var data = $("#chart-data"), ms = $("#chart-metric"), xs = $("#chart-x");
    if (!data || !ms || !xs) { return; }
    D = JSON.parse(data.textContent);
    if (!D.groups.length) { return; }
    var st = readHash();
    function pick(sel, v) { Array.prototype.forEach.call(sel.options, function (o) { if (o.text === v) { sel.value = o.value; } }); }
    if (st.metric) { pick(ms, st.metric); }
    if (st.x) { pick(xs, st.x); }
    var sel = st.runs || "";
    if (sel) { keepRuns(sel); }
    function current() { return { metric: ms.value, x: xs.value }; }
    // The page's own SVG is the promotion metric against the first param:
    // it is drawn again only for another choice.
    var c = current(), drawn = D.metric && D.groups[0][0] === D.metric;
    draw(c.metric, c.x, !drawn || c.metric !== D.metric || c.x !== D.x || sel !== "");
    function changed() {
      var c = current(), h = "#metric=" + encodeURIComponent(c.metric) + (c.x ? "&x=" + encodeURIComponent(c.x) : "") +
        (sel ? "&runs=" + sel.split(",").map(encodeURIComponent).join(",") : "");
      try { window.history.replaceState(null, "", h); } catch (e) { window.location.hash = h; }
      draw(c.metric, c.x, true);
    }
    ms.addEventListener("change", changed);
    xs.addEventListener("change", changed);
  }
  document.addEventListener("DOMContentLoaded", init);
})();
