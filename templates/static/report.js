// mlcd report: sorting, filtering, metric columns and run comparison.
// Works from file:// (no fetch, no modules); every value is written with
// textContent, never as HTML.
"use strict";
(function () {
  var SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

  function $(sel, el) { return (el || document).querySelector(sel); }
  function $all(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
  function root() { return document.body.getAttribute("data-root") || ""; }

  // ---- runs table ----
  function cellKey(td) {
    var v = td.getAttribute("data-v");
    if (v !== null && v !== "" && !isNaN(Number(v))) { return { n: Number(v) }; }
    return { s: td.textContent.trim().toLowerCase() };
  }
  function compareKeys(a, b) {
    if (a.n !== undefined && b.n !== undefined) { return a.n - b.n; }
    if (a.n !== undefined) { return -1; }
    if (b.n !== undefined) { return 1; }
    return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  }
  function sortBy(table, th) {
    var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
    var dir = th.getAttribute("data-dir") === "asc" ? "desc" : "asc";
    $all("th", table).forEach(function (h) { h.removeAttribute("data-dir"); });
    th.setAttribute("data-dir", dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var c = compareKeys(cellKey(r1.cells[idx]), cellKey(r2.cells[idx]));
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function applyFilter(table) {
    var text = ($("#filter") || { value: "" }).value.trim().toLowerCase();
    var st = ($("#status") || { value: "" }).value;
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      var ok = (!st || r.getAttribute("data-status") === st) &&
        (!text || r.textContent.toLowerCase().indexOf(text) >= 0);
      r.classList.toggle("hide", !ok);
      if (ok) { shown++; }
    });
    var c = $("#shown");
    if (c) { c.textContent = String(shown); }
  }
  function setColumn(table, col, on) {
    $all('[data-col="' + col + '"]', table).forEach(function (el) { el.classList.toggle("hide", !on); });
  }
  function initRuns(table) {
    $all("th[data-sort]", table).forEach(function (th) {
      th.addEventListener("click", function () { sortBy(table, th); });
    });
    ["#filter", "#status"].forEach(function (s) {
      var el = $(s);
      if (el) {
        el.addEventListener("input", function () { applyFilter(table); });
        el.addEventListener("change", function () { applyFilter(table); });
      }
    });
    var box = $("#cols");
    $all("input[data-col]", box).forEach(function (cb) {
      setColumn(table, cb.getAttribute("data-col"), cb.checked);
      cb.addEventListener("change", function () { setColumn(table, cb.getAttribute("data-col"), cb.checked); });
    });
    var pick = $("#pick");
    if (pick) {
      pick.addEventListener("click", function () { box.style.display = box.style.display === "block" ? "none" : "block"; });
    }
    var btn = $("#compare");
    if (btn) {
      btn.addEventListener("click", function () {
        var ids = $all("input.sel:checked", table).map(function (cb) { return cb.value; })
          .filter(function (v) { var p = v.split("/"); return p.length === 2 && SLUG.test(p[0]) && SLUG.test(p[1]); });
        if (ids.length === 0) { return; }
        window.location.href = root() + "compare.html#runs=" + ids.map(encodeURIComponent).join(",");
      });
    }
    applyFilter(table);
  }

  // ---- compare page ----
  var loaded = [];
  // A history comes as {from, by} or {steps}, with lo, hi and q: each
  // value a 12-bit integer of [lo, hi] in QUANT steps, two characters of
  // DIGITS, high six bits first (see appendHistory in
  // reports/view_run.go).
  var QUANT = 4095;
  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  function expandHistory(h) {
    var out = {};
    Object.keys(h || {}).forEach(function (name) {
      var s = h[name], span = (s.hi - s.lo) / QUANT, raw = s.q || "", pts = [];
      for (var i = 0; 2 * i + 1 < raw.length; i++) {
        var q = (DIGITS.indexOf(raw.charAt(2 * i)) << 6) | DIGITS.indexOf(raw.charAt(2 * i + 1));
        var step = s.steps ? s.steps[i] : s.from + s.by * i;
        pts.push([step, q === QUANT ? s.hi : s.lo + q * span]);
      }
      out[name] = pts;
    });
    return out;
  }
  window.mlcdRun = function (d) { d.history = expandHistory(d.history); loaded.push(d); };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  var SVGNS = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  var COLORS = ["#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#1b7c83", "#57606a"];
  function fmt(v) {
    if (typeof v !== "number") { return v === undefined || v === null ? "" : String(v); }
    return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Math.round(v * 1e4) / 1e4);
  }
  function unionKeys(runs, field) {
    var seen = {};
    runs.forEach(function (r) { Object.keys(r[field] || {}).forEach(function (k) { seen[k] = true; }); });
    return Object.keys(seen).sort();
  }
  function table(runs, field, title) {
    var keys = unionKeys(runs, field);
    var wrap = el("section");
    wrap.appendChild(el("h2", title));
    if (keys.length === 0) { wrap.appendChild(el("p", "none", "muted")); return wrap; }
    var t = el("table");
    var hr = el("tr");
    hr.appendChild(el("th", "name"));
    runs.forEach(function (r) {
      var th = el("th");
      var a = el("a", r.pipeline + " / " + r.id);
      a.setAttribute("href", root() + "runs/" + r.pslug + "/" + r.slug + ".html");
      th.appendChild(a);
      hr.appendChild(th);
    });
    t.appendChild(hr);
    keys.forEach(function (k) {
      var tr = el("tr");
      tr.appendChild(el("td", k, "mono"));
      var vals = runs.map(function (r) { return (r[field] || {})[k]; });
      var first = JSON.stringify(vals[0]);
      var differs = vals.some(function (v) { return JSON.stringify(v) !== first; });
      if (differs) { tr.className = "diff"; } else { tr.setAttribute("data-same", "1"); }
      vals.forEach(function (v) { tr.appendChild(el("td", fmt(v), typeof v === "number" ? "num" : "")); });
      t.appendChild(tr);
    });
    wrap.appendChild(t);
    return wrap;
  }
  function bars(runs) {
    var keys = unionKeys(runs, "metrics");
    var wrap = el("section");
    wrap.appendChild(el("h2", "Final metrics"));
    var rowH = 14 * runs.length + 8, left = 190, width = 560;
    keys.forEach(function (k) {
      var vals = runs.map(function (r) { return (r.metrics || {})[k]; });
      var max = 0;
      vals.forEach(function (v) { if (typeof v === "number" && Math.abs(v) > max) { max = Math.abs(v); } });
      var svg = svgEl("svg", { width: width, height: rowH + 4, role: "img" });
      svg.appendChild(svgEl("text", { x: 0, y: 14 }, k));
      vals.forEach(function (v, i) {
        if (typeof v !== "number") { return; }
        var w = max > 0 ? Math.abs(v) / max * (width - left - 80) : 0;
        svg.appendChild(svgEl("rect", { x: left, y: 4 + i * 14, width: w, height: 11, fill: COLORS[i % COLORS.length] }));
        svg.appendChild(svgEl("text", { x: left + w + 4, y: 13 + i * 14 }, fmt(v)));
      });
      wrap.appendChild(svg);
    });
    return wrap;
  }
  function lines(runs, metric, box) {
    box.textContent = "";
    var W = 640, H = 260, L = 60, R = 10, T = 10, B = 40, xs = [], ys = [];
    runs.forEach(function (r) {
      ((r.history || {})[metric] || []).forEach(function (p) { xs.push(p[0]); ys.push(p[1]); });
    });
    if (xs.length === 0) { box.appendChild(el("p", "no history for this metric", "muted")); return; }
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (x1 === x0) { x1 = x0 + 1; } if (y1 === y0) { y1 = y0 + 1; }
    function sx(x) { return L + (x - x0) / (x1 - x0) * (W - L - R); }
    function sy(y) { return H - B - (y - y0) / (y1 - y0) * (H - T - B); }
    var svg = svgEl("svg", { width: W, height: H, role: "img" });
    svg.appendChild(svgEl("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#888" }));
    svg.appendChild(svgEl("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#888" }));
    svg.appendChild(svgEl("text", { x: L, y: H - B + 14 }, fmt(x0)));
    svg.appendChild(svgEl("text", { x: W - R, y: H - B + 14, "text-anchor": "end" }, fmt(x1)));
    svg.appendChild(svgEl("text", { x: L - 4, y: H - B, "text-anchor": "end" }, fmt(y0)));
    svg.appendChild(svgEl("text", { x: L - 4, y: T + 10, "text-anchor": "end" }, fmt(y1)));
    svg.appendChild(svgEl("text", { x: (L + W) / 2, y: H - 6, "text-anchor": "middle" }, "step"));
    svg.appendChild(svgEl("text", { x: 12, y: (T + H - B) / 2, transform: "rotate(-90 12 " + (T + H - B) / 2 + ")", "text-anchor": "middle" }, metric));
    runs.forEach(function (r, i) {
      var pts = ((r.history || {})[metric] || []).map(function (p) { return sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1); });
      if (pts.length) {
        svg.appendChild(svgEl("polyline", { points: pts.join(" "), fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 1.5 }));
      }
    });
    box.appendChild(svg);
  }
  function legend(runs) {
    var ul = el("ul");
    runs.forEach(function (r, i) {
      var li = el("li", r.pipeline + " / " + r.id);
      li.style.color = COLORS[i % COLORS.length];
      ul.appendChild(li);
    });
    return ul;
  }
  function renderCompare(out, runs) {
    out.textContent = "";
    if (runs.length === 0) { out.appendChild(el("p", "Select runs in the runs table and press Compare.", "muted")); return; }
    out.appendChild(legend(runs));
    var only = el("label");
    var cb = el("input");
    cb.type = "checkbox";
    cb.id = "only-diff";
    only.appendChild(cb);
    only.appendChild(document.createTextNode(" show only differences"));
    out.appendChild(only);
    out.appendChild(table(runs, "params", "Params"));
    out.appendChild(table(runs, "metrics", "Metrics"));
    cb.addEventListener("change", function () {
      $all("tr[data-same]", out).forEach(function (tr) { tr.classList.toggle("hide", cb.checked); });
    });
    out.appendChild(bars(runs));
    var hist = unionKeys(runs, "history");
    var sec = el("section");
    sec.appendChild(el("h2", "Metric history"));
    var sel = el("select");
    sel.id = "history-metric";
    hist.forEach(function (k) { var o = el("option", k); o.value = k; sel.appendChild(o); });
    var box = el("div");
    sel.addEventListener("change", function () { lines(runs, sel.value, box); });
    sec.appendChild(sel);
    sec.appendChild(box);
    out.appendChild(sec);
    if (hist.length) { lines(runs, hist[0], box); }
  }
  function initCompare(out) {
    var m = /(?:^|[#&])runs=([^&]*)/.exec(window.location.hash);
    var ids = m ? m[1].split(",").map(function (s) { try { return decodeURIComponent(s); } catch (e) { return ""; } }) : [];
    ids = ids.filter(function (v) { var p = v.split("/"); return p.length === 2 && SLUG.test(p[0]) && SLUG.test(p[1]); });
    var pending = ids.length;
    if (pending === 0) { renderCompare(out, []); return; }
    function done() {
      pending--;
      if (pending > 0) { return; }
      var order = {};
      ids.forEach(function (v, i) { order[v] = i; });
      loaded.sort(function (a, b) { return order[a.pslug + "/" + a.slug] - order[b.pslug + "/" + b.slug]; });
      renderCompare(out, loaded);
    }
    ids.forEach(function (v) {
      var p = v.split("/");
      var s = document.createElement("script");
      s.src = root() + "runs/" + p[0] + "/" + p[1] + ".data.js";
      s.onload = done;
      s.onerror = function () { out.appendChild(el("p", "no data for run " + v, "muted")); done(); };
      document.head.appendChild(s);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var t = $("#runs");
    if (t) { initRuns(t); }
    var c = $("#compare-out");
    if (c) { initCompare(c); return; }
    var od = $("#only-diff");
    if (od) {
      od.addEventListener("change", function () {
        $all("tr[data-same]").forEach(function (tr) { tr.classList.toggle("hide", od.checked); });
      });
    }
  });
})();
