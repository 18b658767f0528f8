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
    if (allMode) { renderAll(table); return; }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var c = compareKeys(cellKey(r1.cells[idx]), cellKey(r2.cells[idx]));
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  // The page address holds the view: "#cols=a,b&sort=run:asc&q=…&status=…
  // &trigger=…&branch=…&param=…&pv=…", each value URI-encoded, so that a
  // view can be sent as a link and stays from page to page.
  var STATE_KEYS = ["all", "q", "status", "trigger", "branch", "param", "pv", "sort"];
  function readState() {
    var o = {};
    window.location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i <= 0) { return; }
      var k = kv.slice(0, i), v = kv.slice(i + 1);
      try {
        o[k] = k === "cols" ? v.split(",").filter(Boolean).map(decodeURIComponent) : decodeURIComponent(v);
      } catch (e) { /* a mangled value is ignored */ }
    });
    return o;
  }
  function stateHash(st) {
    var parts = [];
    if (st.cols) { parts.push("cols=" + st.cols.map(encodeURIComponent).join(",")); }
    STATE_KEYS.forEach(function (k) { if (st[k]) { parts.push(k + "=" + encodeURIComponent(st[k])); } });
    return parts.length ? "#" + parts.join("&") : "";
  }
  function cellText(r, col) {
    var td = r.querySelector('td[data-col="' + col + '"]');
    return td ? td.textContent.trim().toLowerCase() : "";
  }
  // ---- every run of the repository (runs/all.js), on demand ----
  // The pages hold 100 runs each; "all runs" loads one line per run and
  // lists the first ALL_CAP that pass the filters, sorted, with the
  // promotion metric and the params (other metrics are on the pages).
  // runs/all.js says how many runs/all-<k>.js there are, one per page.
  var allData = null, allMode = false, pageRows = null, ALL_CAP = 200, chunks = [], nChunks = 0;
  window.mlcdRunsChunks = function (n) { nChunks = n; };
  window.mlcdRuns = function (d) { chunks.push(d); };
  function addScript(src, onload, onerror) {
    var s = document.createElement("script");
    s.src = src;
    s.onload = onload;
    s.onerror = onerror;
    document.head.appendChild(s);
  }
  function loadAll(done) {
    if (allData) { done(true); return; }
    addScript("all.js", function () {
      var pending = nChunks, failed = false;
      if (pending === 0) { done(false); return; }
      function one() {
        pending--;
        if (pending > 0) { return; }
        if (failed || chunks.length === 0) { done(false); return; }
        chunks.sort(function (a, b) { return b.page - a.page; });
        allData = { params: chunks[0].params, promo: chunks[0].promo, runs: [] };
        chunks.forEach(function (c) { allData.runs = allData.runs.concat(c.runs); });
        done(true);
      }
      for (var k = 1; k <= nChunks; k++) { addScript("all-" + k + ".js", one, function () { failed = true; one(); }); }
    }, function () { done(false); });
  }
  function isoTime(unix) { return unix ? new Date(unix * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z" : ""; }
  // allKey returns, for a header cell, the value of a run's line it shows.
  function allKey(table, th) {
    var i = Array.prototype.indexOf.call(th.parentNode.children, th), col = th.getAttribute("data-col");
    if (col && col.charAt(0) === "p") { var pi = Number(col.slice(1)); return function (r) { return r[9][pi]; }; }
    if (col) { var mi = allData.promo.indexOf(th.textContent); return function (r) { return mi < 0 ? null : r[10][mi]; }; }
    return function (r) { return r[i - 1]; };
  }
  function cmpVals(a, b) {
    var an = typeof a === "number" || (typeof a === "string" && a !== "" && !isNaN(Number(a)));
    var bn = typeof b === "number" || (typeof b === "string" && b !== "" && !isNaN(Number(b)));
    if (an && bn) { return Number(a) - Number(b); }
    if (an) { return -1; }
    if (bn) { return 1; }
    a = a === null || a === undefined ? "" : String(a).toLowerCase();
    b = b === null || b === undefined ? "" : String(b).toLowerCase();
    return a < b ? -1 : a > b ? 1 : 0;
  }
  // allProto is an empty row with every column's cell, cloned for each
  // run listed: a page has up to a hundred columns, and most are empty
  // in this view (metrics other than the promotion metric).
  function allProto(table) {
    var tr = el("tr"), td = el("td"), cb = el("input"), cols = [];
    cb.className = "sel"; cb.type = "checkbox"; cb.setAttribute("aria-label", "select");
    td.appendChild(cb); tr.appendChild(td);
    tr.appendChild(el("td"));
    td = el("td"); td.appendChild(el("a")); tr.appendChild(td);
    td = el("td"); td.appendChild(el("span")); tr.appendChild(td);
    tr.appendChild(el("td"));
    tr.appendChild(el("td"));
    tr.appendChild(el("td", "", "mono"));
    tr.appendChild(el("td"));
    tr.appendChild(el("td", "", "num"));
    $all("thead th[data-col]", table).forEach(function (th) {
      var col = th.getAttribute("data-col"), param = col.charAt(0) === "p", cell = el("td", "", param ? "" : "num");
      var mi = param ? -1 : allData.promo.indexOf(th.textContent);
      if (th.classList.contains("promo")) { cell.classList.add("promo"); }
      if (!param && mi < 0) { cell.title = "on the page of 100 runs that holds it"; }
      cell.setAttribute("data-col", col);
      if (th.classList.contains("hide")) { cell.classList.add("hide"); }
      tr.appendChild(cell);
      if (param || mi >= 0) { cols.push({ cell: tr.cells.length - 1, param: param, i: param ? Number(col.slice(1)) : mi }); }
    });
    return { tr: tr, cols: cols };
  }
  function allRow(proto, r) {
    var tr = proto.tr.cloneNode(true), c = tr.cells;
    tr.setAttribute("data-status", r[3]);
    tr.setAttribute("data-trigger", r[4]);
    tr.setAttribute("data-branch", r[5]);
    c[0].firstChild.value = r[0];
    c[1].textContent = r[1];
    var a = c[2].firstChild;
    a.textContent = r[2];
    if (r[0].split("/").every(function (p) { return SLUG.test(p); })) { a.setAttribute("href", r[0] + ".html"); }
    var st = c[3].firstChild;
    st.textContent = r[3];
    st.className = "st st-" + r[3].replace(/[^a-z_]/g, "");
    c[4].textContent = r[4];
    c[5].textContent = r[5];
    c[6].textContent = r[6];
    c[7].textContent = isoTime(r[7]);
    c[8].textContent = r[8] ? r[8] + "s" : "";
    proto.cols.forEach(function (k) {
      var v = k.param ? r[9][k.i] : r[10][k.i];
      c[k.cell].textContent = v === null || v === undefined ? "" : k.param ? v : fmt(v);
    });
    return tr;
  }
  function renderAll(table) {
    var text = ($("#filter") || { value: "" }).value.trim().toLowerCase();
    var want = {};
    ["status", "trigger", "branch"].forEach(function (k) { var e = $("#" + k); want[k] = e ? e.value : ""; });
    var pcol = ($("#param") || { value: "" }).value, pval = ($("#param-value") || { value: "" }).value.trim().toLowerCase();
    var pi = pcol ? Number(pcol.slice(1)) : -1;
    var list = allData.runs.filter(function (r) {
      if ((want.status && r[3] !== want.status) || (want.trigger && r[4] !== want.trigger) || (want.branch && r[5] !== want.branch)) { return false; }
      if (pi >= 0 && pval && String(r[9][pi]).toLowerCase() !== pval) { return false; }
      return !text || (r.slice(1, 7).join(" ") + " " + isoTime(r[7]) + " " + r[9].join(" ") + " " + r[10].map(fmt).join(" ")).toLowerCase().indexOf(text) >= 0;
    });
    var th = $("th[data-dir]", table);
    if (th) {
      var key = allKey(table, th), sign = th.getAttribute("data-dir") === "asc" ? 1 : -1;
      list = list.slice().sort(function (a, b) { return sign * cmpVals(key(a), key(b)); });
    }
    var body = table.tBodies[0], frag = document.createDocumentFragment(), proto = allProto(table);
    list.slice(0, ALL_CAP).forEach(function (r) { frag.appendChild(allRow(proto, r)); });
    body.textContent = "";
    body.appendChild(frag);
    var c = $("#shown");
    if (c) { c.textContent = list.length + " of " + allData.runs.length + (list.length > ALL_CAP ? ", the first " + ALL_CAP + " listed" : ""); }
  }
  function setAllMode(table, on, done) {
    if (!on) {
      if (allMode) { allMode = false; table.tBodies[0].textContent = ""; table.tBodies[0].appendChild(pageRows); pageRows = null; }
      applyFilter(table);
      if (done) { done(); }
      return;
    }
    loadAll(function (ok) {
      var box = $("#all");
      if (!ok) { if (box) { box.checked = false; box.parentNode.appendChild(el("span", " (runs/all.js not found)", "muted")); } if (done) { done(); } return; }
      if (!allMode) {
        allMode = true;
        pageRows = document.createDocumentFragment();
        Array.prototype.slice.call(table.tBodies[0].rows).forEach(function (r) { pageRows.appendChild(r); });
      }
      renderAll(table);
      if (done) { done(); }
    });
  }
  function applyFilter(table) {
    if (allMode) { renderAll(table); return; }
    var text = ($("#filter") || { value: "" }).value.trim().toLowerCase();
    var want = {};
    ["status", "trigger", "branch"].forEach(function (k) { var e = $("#" + k); want[k] = e ? e.value : ""; });
    var pcol = ($("#param") || { value: "" }).value;
    var pval = ($("#param-value") || { value: "" }).value.trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      var ok = ["status", "trigger", "branch"].every(function (k) { return !want[k] || r.getAttribute("data-" + k) === want[k]; }) &&
        (!pcol || !pval || cellText(r, pcol) === pval) &&
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
  function selectedText(sel) { return sel && sel.selectedIndex > 0 ? sel.options[sel.selectedIndex].text : ""; }
  // saveState writes the view into the address and the pager's links.
  function saveState(table) {
    var st = {};
    var boxes = $all("#cols input[data-col]");
    var defaults = boxes.every(function (cb) { return cb.checked === cb.defaultChecked; });
    if (!defaults) { st.cols = boxes.filter(function (cb) { return cb.checked; }).map(function (cb) { return cb.getAttribute("data-name"); }); }
    st.q = ($("#filter") || { value: "" }).value;
    ["status", "trigger", "branch"].forEach(function (k) { var e = $("#" + k); st[k] = e ? e.value : ""; });
    st.param = selectedText($("#param"));
    st.pv = ($("#param-value") || { value: "" }).value;
    var th = $("th[data-dir]", table);
    if (th) { st.sort = th.textContent + ":" + th.getAttribute("data-dir"); }
    st.all = allMode ? "1" : "";
    var h = stateHash(st);
    try {
      window.history.replaceState(null, "", h || window.location.pathname);
    } catch (e) { window.location.hash = h; }
    $all(".pager a").forEach(function (a) { a.setAttribute("href", a.getAttribute("href").replace(/#.*$/, "") + h); });
  }
  function restoreState(table) {
    var st = readState();
    if (st.cols) {
      var on = {};
      st.cols.forEach(function (n) { on[n] = true; });
      $all("#cols input[data-col]").forEach(function (cb) { cb.checked = !!on[cb.getAttribute("data-name")]; });
    }
    if (st.q && $("#filter")) { $("#filter").value = st.q; }
    ["status", "trigger", "branch"].forEach(function (k) { var e = $("#" + k); if (e && st[k]) { e.value = st[k]; } });
    var ps = $("#param");
    if (ps && st.param) {
      Array.prototype.forEach.call(ps.options, function (o) { if (o.text === st.param) { ps.value = o.value; } });
    }
    if (st.pv && $("#param-value")) { $("#param-value").value = st.pv; }
    if (st.sort) {
      var i = st.sort.lastIndexOf(":"), name = st.sort.slice(0, i), dir = st.sort.slice(i + 1);
      var th = $all("th[data-sort]", table).filter(function (h) { return h.textContent === name; })[0];
      if (th) {
        th.setAttribute("data-dir", dir === "asc" ? "desc" : "asc"); // sortBy flips it
        sortBy(table, th);
      }
    }
  }
  function initRuns(table) {
    var st0 = readState();
    restoreState(table);
    var all = $("#all");
    if (all) {
      all.addEventListener("change", function () { setAllMode(table, all.checked, function () { saveState(table); }); });
      if (st0.all === "1") { all.checked = true; setAllMode(table, true, function () { saveState(table); }); }
    }
    $all("th[data-sort]", table).forEach(function (th) {
      th.addEventListener("click", function () { sortBy(table, th); saveState(table); });
    });
    ["#filter", "#status", "#trigger", "#branch", "#param", "#param-value"].forEach(function (s) {
      var e = $(s);
      if (e) {
        e.addEventListener("input", function () { applyFilter(table); saveState(table); });
        e.addEventListener("change", function () { applyFilter(table); saveState(table); });
      }
    });
    var box = $("#cols");
    $all("input[data-col]", box).forEach(function (cb) {
      setColumn(table, cb.getAttribute("data-col"), cb.checked);
      cb.addEventListener("change", function () { setColumn(table, cb.getAttribute("data-col"), cb.checked); saveState(table); });
    });
    var pick = $("#pick");
    if (pick) {
      pick.addEventListener("click", function () { box.style.display = box.style.display === "block" ? "none" : "block"; });
    }
    // "compare selected" and "chart selected" open the compare page or
    // the charts page on the ticked runs.
    [["#compare", "compare.html#runs="], ["#chart-sel", "runs/charts.html#runs="]].forEach(function (b) {
      var btn = $(b[0]);
      if (!btn) { return; }
      btn.addEventListener("click", function () {
        var ids = $all("input.sel:checked", table).map(function (cb) { return cb.value; })
          .filter(function (v) { var p = v.split("/"); return p.length === 2 && SLUG.test(p[0]) && SLUG.test(p[1]); });
        if (ids.length === 0) { return; }
        window.location.href = root() + b[1] + ids.map(encodeURIComponent).join(",");
      });
    });
    applyFilter(table);
    saveState(table);
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
  // A run's data is a line of a chunk of its pipeline's runs: only the
  // runs compared are expanded.
  window.mlcdRun = function (d) { loaded.push(d); };

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
    var deltas = field === "metrics" && runs.length === 2;
    hr.appendChild(el("th", "name"));
    runs.forEach(function (r) {
      var th = el("th");
      var a = el("a", r.pipeline + " / " + r.id);
      a.setAttribute("href", root() + "runs/" + r.pslug + "/" + r.slug + ".html");
      th.appendChild(a);
      hr.appendChild(th);
    });
    if (deltas) { hr.appendChild(el("th", "change")); }
    t.appendChild(hr);
    keys.forEach(function (k) {
      var tr = el("tr");
      tr.appendChild(el("td", k, "mono"));
      var vals = runs.map(function (r) { return (r[field] || {})[k]; });
      var first = JSON.stringify(vals[0]);
      var differs = vals.some(function (v) { return JSON.stringify(v) !== first; });
      if (differs) { tr.className = "diff"; } else { tr.setAttribute("data-same", "1"); }
      vals.forEach(function (v) { tr.appendChild(el("td", fmt(v), typeof v === "number" ? "num" : "")); });
      if (deltas) { tr.appendChild(deltaCell(k, vals[0], vals[1])); }
      t.appendChild(tr);
    });
    wrap.appendChild(t);
    return wrap;
  }
  // The goal mlcd.yaml declares for its promotion metric, from the page.
  function goalOf(name) {
    var out = $("#compare-out"), m = out && out.getAttribute("data-metric"), tasks = [];
    if (!m) { return ""; }
    try { tasks = JSON.parse(out.getAttribute("data-tasks") || "[]"); } catch (e) { tasks = []; }
    if (name === m) { return out.getAttribute("data-goal"); }
    var suffix = "." + m, task = name.slice(0, name.length - suffix.length);
    if (name.length > suffix.length && name.slice(-suffix.length) === suffix && (tasks.length === 0 || tasks.indexOf(task) >= 0)) {
      return out.getAttribute("data-goal");
    }
    return "";
  }
  function deltaCell(name, a, b) {
    if (typeof a !== "number" || typeof b !== "number") { return el("td"); }
    var d = b - a, goal = goalOf(name), mark = "";
    if (goal && d !== 0) { mark = (d > 0) === (goal === "max") ? "better" : "worse"; }
    var text = (d > 0 ? "+" : "") + fmt(Math.round(d * 1e6) / 1e6);
    if (mark) { text += mark === "better" ? " \u25B2 better" : " \u25BC worse"; }
    return el("td", text, "num" + (mark ? " " + mark : ""));
  }
  // barAxis mirrors reports/chart.go: bars start below the lowest value
  // at a round number, unless zero is close.
  function niceStep(span, n) {
    var raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
  }
  function barAxis(vals) {
    var nums = vals.filter(function (v) { return typeof v === "number" && isFinite(v); });
    if (nums.length === 0) { return [0, 0]; }
    var lo = Math.min.apply(null, nums), hi = Math.max.apply(null, nums);
    if (lo >= 0 && lo <= hi * 0.2) { return [0, hi]; }
    if (hi === lo) { return [Math.min(0, lo), Math.max(0, hi)]; }
    var step = niceStep(hi - lo, 4), base = Math.floor(lo / step) * step;
    if (base === lo) { base -= step; }
    if (lo >= 0 && base < 0) { base = 0; }
    return [base, hi];
  }
  function bars(runs) {
    var keys = unionKeys(runs, "metrics");
    var wrap = el("section");
    wrap.appendChild(el("h2", "Final metrics"));
    var rowH = 14 * runs.length + 8, left = 190, width = 560;
    keys.forEach(function (k) {
      var vals = runs.map(function (r) { return (r.metrics || {})[k]; });
      var axis = barAxis(vals), lo = axis[0], hi = axis[1];
      var svg = svgEl("svg", { width: width, height: rowH + 4, role: "img" });
      svg.appendChild(svgEl("text", { x: 0, y: 14 }, k));
      if (lo !== 0) { svg.appendChild(svgEl("text", { x: 0, y: 28, "class": "axis-note" }, "axis from " + fmt(lo) + ", not zero")); }
      vals.forEach(function (v, i) {
        if (typeof v !== "number") { return; }
        var w = hi > lo ? (v - lo) / (hi - lo) * (width - left - 80) : 0;
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
  // Parallel coordinates: one vertical axis per metric, then per numeric
  // param, each scaled to its own range; one line per run.
  function parallelCoords(runs) {
    var axes = [];
    [["metrics", unionKeys(runs, "metrics")], ["params", unionKeys(runs, "params")]].forEach(function (fk) {
      fk[1].forEach(function (k) {
        var vals = runs.map(function (r) { var v = (r[fk[0]] || {})[k]; return typeof v === "number" ? v : (typeof v === "string" && v !== "" && isFinite(Number(v)) ? Number(v) : undefined); });
        var nums = vals.filter(function (v) { return v !== undefined && isFinite(v); });
        if (nums.length > 0 && axes.length < 16) { axes.push({ name: k, vals: vals, lo: Math.min.apply(null, nums), hi: Math.max.apply(null, nums) }); }
      });
    });
    var sec = el("section");
    sec.className = "parallel";
    sec.appendChild(el("h2", "Parallel coordinates"));
    if (axes.length < 2) { sec.appendChild(el("p", "fewer than two numeric params and metrics", "muted")); return sec; }
    var T = 40, B = 40, H = 300, L = 30, gap = Math.max(70, Math.min(140, 900 / axes.length)), W = L * 2 + gap * (axes.length - 1);
    var svg = svgEl("svg", { width: W, height: H, role: "img", "aria-label": "parallel coordinates" });
    function y(a, v) { return a.hi === a.lo ? (T + H - B) / 2 : H - B - (v - a.lo) / (a.hi - a.lo) * (H - T - B); }
    axes.forEach(function (a, i) {
      var x = L + gap * i;
      svg.appendChild(svgEl("line", { x1: x, y1: T, x2: x, y2: H - B, stroke: "#888" }));
      svg.appendChild(svgEl("text", { x: x, y: T - 8, "text-anchor": "middle", "class": "axis-name" }, a.name));
      svg.appendChild(svgEl("text", { x: x + 3, y: T + 4 }, fmt(a.hi)));
      svg.appendChild(svgEl("text", { x: x + 3, y: H - B + 14 }, fmt(a.lo)));
    });
    runs.forEach(function (r, ri) {
      var pts = [];
      axes.forEach(function (a, i) { if (a.vals[ri] !== undefined) { pts.push((L + gap * i) + "," + y(a, a.vals[ri]).toFixed(1)); } });
      var line = svgEl("polyline", { points: pts.join(" "), fill: "none", stroke: COLORS[ri % COLORS.length], "stroke-width": 2, "class": "pc" });
      line.appendChild(svgEl("title", {}, r.pipeline + " / " + r.id));
      svg.appendChild(line);
    });
    var wrap = el("div");
    wrap.style.overflowX = "auto";
    wrap.appendChild(svg);
    sec.appendChild(wrap);
    return sec;
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
    out.appendChild(table(runs, "metrics", "Metrics"));
    out.appendChild(table(runs, "params", "Params"));
    cb.addEventListener("change", function () {
      $all("tr[data-same]", out).forEach(function (tr) { tr.classList.toggle("hide", cb.checked); });
    });
    out.appendChild(bars(runs));
    out.appendChild(parallelCoords(runs));
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
  // Runs' data come in chunks of a pipeline's runs, runs/<p>/data-<k>.js;
  // runs/<p>/data.js names the first run of each chunk, in the order of
  // the runs' page names (reports/rundata.go).
  var chunkFirsts = Object.create(null); // by pipeline slug, which may be "constructor"
  window.mlcdRunChunks = function (p, firsts) { chunkFirsts[p] = firsts; };
  function loadScripts(srcs, done) {
    var pending = srcs.length;
    if (pending === 0) { done(); return; }
    srcs.forEach(function (src) {
      var s = document.createElement("script");
      s.src = root() + src;
      s.onload = s.onerror = function () { if (--pending === 0) { done(); } };
      document.head.appendChild(s);
    });
  }
  // chunkOf returns the last chunk whose first run sorts at or before
  // slug, or -1.
  function chunkOf(firsts, slug) {
    var lo = 0, hi = firsts.length - 1, k = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (firsts[mid] <= slug) { k = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return k;
  }
  function initCompare(out) {
    var m = /(?:^|[#&])runs=([^&]*)/.exec(window.location.hash);
    var ids = m ? m[1].split(",").map(function (s) { try { return decodeURIComponent(s); } catch (e) { return ""; } }) : [];
    ids = ids.filter(function (v) { var p = v.split("/"); return p.length === 2 && SLUG.test(p[0]) && SLUG.test(p[1]); });
    if (ids.length === 0) { renderCompare(out, []); return; }
    var pipes = {};
    ids.forEach(function (v) { pipes[v.split("/")[0]] = true; });
    loadScripts(Object.keys(pipes).map(function (p) { return "runs/" + p + "/data.js"; }), function () {
      var chunks = {};
      ids.forEach(function (v) {
        var p = v.split("/"), k = chunkOf(chunkFirsts[p[0]] || [], p[1]);
        if (k >= 0) { chunks["runs/" + p[0] + "/data-" + k + ".js"] = true; }
      });
      loadScripts(Object.keys(chunks), function () {
        var byId = {}, runs = [], missing = [];
        loaded.forEach(function (d) { byId[d.pslug + "/" + d.slug] = d; });
        ids.forEach(function (v) {
          var d = byId[v];
          if (!d) { missing.push(v); return; }
          if (!d.expanded) { d.history = expandHistory(d.history); d.expanded = true; }
          runs.push(d);
        });
        renderCompare(out, runs);
        missing.forEach(function (v) { out.appendChild(el("p", "no data for run " + v, "muted")); });
      });
    });
  }

  // ---- point charts: hover shows a dot's values, the legend hides a series ----
  function initPoints(fig) {
    var out = $("output.hover", fig), svg = $("svg", fig);
    svg.addEventListener("mouseover", function (e) {
      var c = e.target;
      if (c.classList && c.classList.contains("pt") && out) {
        var t = c.querySelector("title");
        out.textContent = t ? t.textContent : "";
      }
    });
    $all("button.series", fig).forEach(function (b) {
      b.addEventListener("click", function () {
        var off = !b.classList.contains("off");
        b.classList.toggle("off", off);
        $all('[data-s="' + b.getAttribute("data-s") + '"]', svg).forEach(function (e) { e.classList.toggle("hide", off); });
      });
    });
  }

  window.mlcdPoints = initPoints; // for the charts static/charts.js draws

  document.addEventListener("DOMContentLoaded", function () {
    $all("figure.points").forEach(initPoints);
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
