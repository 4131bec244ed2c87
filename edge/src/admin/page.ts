/**
 * The admin page served by the Worker: one HTML shell, a stylesheet and a plain-JS client that
 * calls the edge admin APIs with the operator's key. No framework and no build step: wrangler
 * bundles these strings with the Worker.
 */
export const ADMIN_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vidplat admin</title>
<link rel="stylesheet" href="/admin/admin.css">
</head>
<body>
<header>
  <h1>vidplat admin</h1>
  <form id="login" autocomplete="off">
    <input id="api-key" type="password" placeholder="API key (vp_…)" aria-label="API key">
    <button type="submit" id="use-key">Use key</button>
    <button type="button" id="logout">Forget key</button>
    <span id="who"></span>
  </form>
</header>
<nav>
  <a href="#dashboards">Dashboards</a>
  <a href="#experiments">Experiments</a>
  <a href="#schedule">Schedule</a>
  <a href="#broadcaster">Broadcaster</a>
  <a href="#campaigns">Campaigns</a>
  <a href="#transcode">Transcode jobs</a>
</nav>
<main id="main"></main>
<script src="/admin/app.js"></script>
</body>
</html>
`;

export const ADMIN_CSS = String.raw`*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#111827;background:#f3f4f6}
header{display:flex;align-items:center;gap:24px;padding:10px 20px;background:#111827;color:#fff}header h1{font-size:18px;margin:0}
header input{width:320px;padding:4px 6px}#who{color:#9ca3af;margin-left:8px}
nav{display:flex;gap:4px;padding:6px 20px;background:#1f2937}nav a{color:#d1d5db;text-decoration:none;padding:6px 10px;border-radius:4px}
nav a.active{background:#2563eb;color:#fff}main{padding:16px 20px}h2{margin:4px 0 12px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:14px}.grid.one{grid-template-columns:1fr}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}.card h3{margin:0 0 8px;font-size:15px}
.kpis{display:flex;flex-wrap:wrap;gap:10px}.kpi{min-width:110px;padding:8px;border:1px solid #e5e7eb;border-radius:6px}
.kpi .v{display:block;font-size:20px;font-weight:600}.kpi .l{color:#6b7280;font-size:12px}
.chart{width:100%;height:auto;max-height:260px}.axis{stroke:#9ca3af}.zero{stroke:#111827;stroke-dasharray:4 3}.tick{font-size:11px;fill:#4b5563}.legend{font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #e5e7eb}
.muted{color:#6b7280}.error{color:#b91c1c}.na{color:#92400e;background:#fffbeb;border:1px solid #fcd34d;padding:8px;border-radius:6px}
.range{margin-bottom:12px;display:flex;gap:8px;align-items:center}
.verdict{padding:10px;border-radius:6px;margin-bottom:8px;border:1px solid}.verdict.ship{background:#dcfce7;border-color:#16a34a}
.verdict.rollback,.verdict.stop_guardrail,.verdict.invalid_srm{background:#fee2e2;border-color:#dc2626}
.verdict.keep_running,.verdict.no_difference,.verdict.insufficient_data{background:#f3f4f6;border-color:#9ca3af}
.tag{padding:1px 6px;border-radius:8px;background:#e5e7eb;font-size:12px}.tag.better,.tag.published{background:#dcfce7}.tag.worse,.tag.failed{background:#fee2e2}.tag.pending{background:#dbeafe}
.metric{border-top:1px solid #e5e7eb;padding-top:6px;margin-top:6px}
.calendar{display:grid;grid-template-columns:repeat(7,1fr);gap:4px}.calendar.day{grid-template-columns:repeat(6,1fr)}
.calendar .head{font-weight:600;color:#4b5563;text-align:center}.calendar .cell{border:1px solid #e5e7eb;padding:3px;border-radius:4px;min-height:64px;font-size:12px}
.calendar .cell.other{background:#f9fafb;color:#9ca3af}.calendar ul{margin:2px 0;padding-left:0;list-style:none}.calendar li{margin:1px 0;display:block}
`;

export const ADMIN_JS = String.raw`// vidplat admin page: plain browser JS, no framework. Everything it shows comes from the edge API
// with the API key the operator enters (kept in sessionStorage, sent as a Bearer token).
(function () {
  'use strict';
  var KEY = 'vidplat.admin.key';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var main = document.getElementById('main');
  var state = { page: 'dashboards', from: isoDay(-13), to: isoDay(0) };

  function isoDay(offset) {
    return new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
  }
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'text') el.textContent = attrs[k];
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) el.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach(function (x) { append(el, x); });
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  function s(tag, attrs) {
    var el = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') el.textContent = attrs[k];
      else el.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) if (arguments[i]) el.appendChild(arguments[i]);
    return el;
  }
  function fmt(n, digits) {
    if (typeof n !== 'number' || !isFinite(n)) return '–';
    if (digits !== undefined) return n.toFixed(digits);
    return Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100);
  }
  function pct(x, d) { return fmt(100 * x, d === undefined ? 1 : d) + '%'; }
  function key() { return sessionStorage.getItem(KEY) || ''; }

  /** GET/POST against the edge; resolves {status, body}; a 404 "no route" means the feature is not deployed. */
  function api(path, opts) {
    opts = opts || {};
    var headers = { authorization: 'Bearer ' + key() };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method: opts.method || 'GET', headers: headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) })
      .then(function (r) {
        return r.text().then(function (t) {
          var body = null;
          try { body = t ? JSON.parse(t) : null; } catch (e) { body = { raw: t }; }
          return { status: r.status, body: body };
        });
      })
      .catch(function (e) { return { status: 0, body: { error: { code: 'network', message: String(e) } } }; });
  }
  function missing(r) {
    return r.status === 404 && r.body && r.body.error && /^no route/.test(r.body.error.message || '');
  }
  function problem(r, what) {
    if (missing(r)) return h('div', { class: 'na', 'data-state': 'not-available' }, what + ' is not available in this deployment (' + r.body.error.message + ').');
    var e = (r.body && r.body.error) || { code: 'error', message: 'HTTP ' + r.status };
    return h('div', { class: 'error', role: 'alert' }, what + ': ' + e.code + ' – ' + e.message + (e.field ? ' (field ' + e.field + ')' : ''));
  }
  function section(title, id) {
    var body = h('div', { class: 'body', id: id }, h('p', { class: 'muted', text: 'loading…' }));
    return { el: h('section', { class: 'card' }, h('h3', { text: title }), body), body: body };
  }
  function fill(body, content) {
    body.textContent = '';
    append(body, content);
    body.setAttribute('data-ready', '1');
  }
  function rangeForm(onApply) {
    var from = h('input', { type: 'date', id: 'from', value: state.from });
    var to = h('input', { type: 'date', id: 'to', value: state.to });
    return h('form', { class: 'range', onsubmit: function (ev) { ev.preventDefault(); state.from = from.value; state.to = to.value; onApply(); } },
      h('label', null, 'From ', from), h('label', null, ' To ', to), h('button', { type: 'submit', id: 'apply-range' }, 'Apply'));
  }
  function table(cols, rows, id) {
    return h('table', { id: id },
      h('thead', null, h('tr', null, cols.map(function (c) { return h('th', { text: c[0] }); }))),
      h('tbody', null, rows.map(function (r) { return h('tr', null, cols.map(function (c) { var v = c[1](r); return h('td', null, v); })); })));
  }

  // ---- charts (inline SVG) ----------------------------------------------------------------
  var COLORS = ['#2563eb', '#db2777', '#16a34a', '#ea580c', '#7c3aed', '#0891b2'];
  function lineChart(points, series, id) {
    var W = 640, H = 220, P = 36;
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', id: id, role: 'img' });
    var max = 0;
    points.forEach(function (p) { series.forEach(function (k) { max = Math.max(max, p[k] || 0); }); });
    max = max || 1;
    var x = function (i) { return P + (points.length < 2 ? 0 : (i * (W - 2 * P)) / (points.length - 1)); };
    var y = function (v) { return H - P - (v / max) * (H - 2 * P); };
    svg.appendChild(s('line', { x1: P, y1: H - P, x2: W - P, y2: H - P, class: 'axis' }));
    svg.appendChild(s('line', { x1: P, y1: P, x2: P, y2: H - P, class: 'axis' }));
    svg.appendChild(s('text', { x: 2, y: P, class: 'tick', text: fmt(max) }));
    svg.appendChild(s('text', { x: 2, y: H - P, class: 'tick', text: '0' }));
    if (points.length) {
      svg.appendChild(s('text', { x: P, y: H - 8, class: 'tick', text: points[0].day }));
      svg.appendChild(s('text', { x: W - P - 70, y: H - 8, class: 'tick', text: points[points.length - 1].day }));
    }
    series.forEach(function (k, si) {
      var d = points.map(function (p, i) { return (i ? 'L' : 'M') + x(i).toFixed(1) + ',' + y(p[k] || 0).toFixed(1); }).join(' ');
      svg.appendChild(s('path', { d: d, fill: 'none', stroke: COLORS[si % COLORS.length], 'stroke-width': 2, 'data-series': k }));
      svg.appendChild(s('text', { x: P + 10 + si * 120, y: 14, fill: COLORS[si % COLORS.length], class: 'legend', text: k }));
    });
    return svg;
  }
  function barChart(rows, label, value, id) {
    var W = 640, row = 22, H = Math.max(row, rows.length * row) + 10, L = 150;
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', id: id, role: 'img' });
    var max = Math.max.apply(null, rows.map(value).concat([1]));
    rows.forEach(function (r, i) {
      var w = ((W - L - 60) * value(r)) / max;
      svg.appendChild(s('text', { x: 4, y: i * row + 16, class: 'tick', text: label(r) }));
      svg.appendChild(s('rect', { x: L, y: i * row + 4, width: Math.max(1, w).toFixed(1), height: row - 8, fill: COLORS[0], 'data-value': value(r) }));
      svg.appendChild(s('text', { x: L + w + 6, y: i * row + 16, class: 'tick', text: fmt(value(r)) }));
    });
    return svg;
  }
  function heatmap(cells, id) {
    var W = 640, L = 40, T = 18, cw = (W - L) / 24, ch = 22;
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + (T + 7 * ch + 4), class: 'chart', id: id, role: 'img' });
    var max = Math.max.apply(null, cells.map(function (c) { return c.users; }).concat([1]));
    var days = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    for (var hr = 0; hr < 24; hr += 3) svg.appendChild(s('text', { x: L + hr * cw, y: 12, class: 'tick', text: String(hr).padStart(2, '0') }));
    cells.forEach(function (c) {
      if (c.hour === 0) svg.appendChild(s('text', { x: 2, y: T + (c.weekday - 1) * ch + 15, class: 'tick', text: days[c.weekday] }));
      var r = s('rect', { x: (L + c.hour * cw).toFixed(1), y: T + (c.weekday - 1) * ch, width: (cw - 1).toFixed(1), height: ch - 2, fill: '#2563eb', 'fill-opacity': (0.05 + (0.95 * c.users) / max).toFixed(3) });
      r.appendChild(s('title', { text: days[c.weekday] + ' ' + c.hour + ':00 – ' + c.users + ' users, ' + c.engagement + ' interactions' }));
      svg.appendChild(r);
    });
    return svg;
  }
  /** Forest plot: each treatment's difference with its interval against the zero line. */
  function forest(comparisons, id) {
    var W = 640, row = 26, H = comparisons.length * row + 24, L = 120;
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', id: id, role: 'img' });
    var lim = 1e-12;
    comparisons.forEach(function (c) { lim = Math.max(lim, Math.abs(c.interval.low), Math.abs(c.interval.high)); });
    var x = function (v) { return L + ((v + lim) / (2 * lim)) * (W - L - 20); };
    svg.appendChild(s('line', { x1: x(0), y1: 4, x2: x(0), y2: H - 18, class: 'zero' }));
    svg.appendChild(s('text', { x: x(0) - 4, y: H - 4, class: 'tick', text: '0' }));
    comparisons.forEach(function (c, i) {
      var y = 14 + i * row;
      var color = c.outcome === 'better' ? '#16a34a' : c.outcome === 'worse' ? '#dc2626' : '#6b7280';
      svg.appendChild(s('text', { x: 4, y: y + 4, class: 'tick', text: c.variant }));
      svg.appendChild(s('line', { x1: x(c.interval.low), y1: y, x2: x(c.interval.high), y2: y, stroke: color, 'stroke-width': 3 }));
      svg.appendChild(s('circle', { cx: x(c.difference), cy: y, r: 5, fill: color }));
    });
    return svg;
  }

  // ---- pages ------------------------------------------------------------------------------
  function qs(extra) {
    var q = 'from=' + encodeURIComponent(state.from) + '&to=' + encodeURIComponent(state.to);
    return extra ? q + '&' + extra : q;
  }
  var A = '/v1/admin/analytics/';

  function dashboards() {
    var kpis = section('Overview', 'kpis'), trend = section('Daily trends', 'trends'), ctr = section('Click-through rate', 'ctr');
    var items = section('Item distribution (plays)', 'items'), funnel = section('Behaviour', 'behaviour');
    var video = section('Video plays', 'videos'), heat = section('Best time to publish', 'heatmap-section'), courses = section('Hot courses', 'hot-courses');
    main.append(h('h2', { text: 'Dashboards' }), rangeForm(render), exportBar(), h('div', { class: 'grid' }, [kpis, trend, ctr, items, funnel, video, heat, courses].map(function (x) { return x.el; })));
    api(A + 'overview?' + qs()).then(function (r) {
      if (r.status !== 200) return fill(kpis.body, problem(r, 'Overview'));
      var o = r.body;
      var cards = [['Events', fmt(o.events)], ['Active users', fmt(o.activeUsers)], ['Impressions', fmt(o.impressions)], ['CTR', pct(o.ctr, 2)], ['Plays', fmt(o.plays)], ['Completion rate', pct(o.completionRate)], ['Watch hours', fmt(o.watchHours, 1)], ['Revenue', '$' + fmt(o.revenueCents / 100, 2)], ['Enrolments', fmt(o.enrolments)]];
      fill(kpis.body, h('div', { class: 'kpis' }, cards.map(function (c) { return h('div', { class: 'kpi', 'data-kpi': c[0] }, h('span', { class: 'v', text: c[1] }), h('span', { class: 'l', text: c[0] })); })));
    });
    api(A + 'trends?' + qs('metrics=events,active_users,plays,completions,ctr')).then(function (r) {
      if (r.status !== 200) { fill(trend.body, problem(r, 'Trends')); return fill(ctr.body, problem(r, 'Trends')); }
      fill(trend.body, lineChart(r.body.points, ['events', 'active_users', 'plays', 'completions'], 'trend-chart'));
      fill(ctr.body, lineChart(r.body.points, ['ctr'], 'ctr-chart'));
    });
    api(A + 'items?' + qs('metric=plays&limit=10')).then(function (r) {
      if (r.status !== 200) return fill(items.body, problem(r, 'Items'));
      fill(items.body, [barChart(r.body.items, function (i) { return i.itemId; }, function (i) { return i.value; }, 'items-chart'),
        h('p', { class: 'muted', text: r.body.totalItems + ' items played; Gini ' + fmt(r.body.giniCoefficient, 2) + ' (0 = even, 1 = one item takes all)' })]);
    });
    api(A + 'behaviour?' + qs()).then(function (r) {
      if (r.status !== 200) return fill(funnel.body, problem(r, 'Behaviour'));
      var b = r.body;
      fill(funnel.body, [barChart(b.funnel, function (f) { return f.step + ' ' + pct(f.rateFromPrevious, 0); }, function (f) { return f.users; }, 'funnel-chart'),
        table([['Event type', function (t) { return t.type; }], ['Events', function (t) { return fmt(t.events); }], ['Users', function (t) { return fmt(t.users); }]], b.byType, 'by-type'),
        h('p', { class: 'muted', text: 'Events per user: mean ' + fmt(b.eventsPerUser.mean, 1) + ', p50 ' + b.eventsPerUser.p50 + ', p90 ' + b.eventsPerUser.p90 + ', p99 ' + b.eventsPerUser.p99 })]);
    });
    api(A + 'videos?' + qs()).then(function (r) {
      if (r.status !== 200) return fill(video.body, problem(r, 'Videos'));
      var v = r.body;
      fill(video.body, [h('p', { id: 'video-summary', text: fmt(v.plays) + ' plays · ' + fmt(v.uniqueViewers) + ' unique viewers · ' + fmt(v.completions) + ' completions · average completion ' + pct(v.avgCompletion) }),
        lineChart(v.byDay, ['plays', 'uniqueViewers', 'completions'], 'video-chart'),
        table([['Video', function (x) { return x.itemId; }], ['Plays', function (x) { return fmt(x.plays); }], ['Viewers', function (x) { return fmt(x.uniqueViewers); }], ['Avg completion', function (x) { return pct(x.avgCompletion); }]], v.topVideos.slice(0, 8), 'top-videos')]);
    });
    var tz = (Intl.DateTimeFormat().resolvedOptions().timeZone) || 'UTC';
    api(A + 'heatmap?' + qs('timeZone=' + encodeURIComponent(tz))).then(function (r) {
      if (r.status !== 200) return fill(heat.body, problem(r, 'Heatmap'));
      fill(heat.body, [heatmap(r.body.cells, 'heatmap'), h('ol', { id: 'suggestions' }, r.body.suggestions.map(function (x) { return h('li', { text: x.reason }); }))]);
    });
    api(A + 'courses/hot?' + qs('limit=8')).then(function (r) {
      if (r.status !== 200) return fill(courses.body, problem(r, 'Hot courses'));
      fill(courses.body, r.body.courses.length ? table([['Course', function (c) { return c.courseId; }], ['Enrolments', function (c) { return fmt(c.enrolments); }], ['Paid', function (c) { return fmt(c.paid); }], ['Score', function (c) { return fmt(c.score, 2); }]], r.body.courses, 'courses-table') : h('p', { class: 'muted', text: 'No enrolments in this range.' }));
    });
  }

  /** Export buttons: the API needs the Bearer key, so download through fetch and a blob URL. */
  function exportBar() {
    var status = h('span', { id: 'export-status', class: 'muted' });
    function dl(dataset, format) {
      return h('button', { type: 'button', id: 'export-' + dataset + '-' + format, onclick: function () {
        status.textContent = 'exporting ' + dataset + '…';
        fetch(A + 'export/' + dataset + '?' + qs('format=' + format), { headers: { authorization: 'Bearer ' + key() } }).then(function (r) {
          if (!r.ok) return r.json().then(function (b) { status.textContent = 'export failed: ' + ((b && b.error && b.error.message) || r.status); });
          var name = ((r.headers.get('content-disposition') || '').match(/filename="([^"]+)"/) || [])[1] || dataset + '.' + format;
          return r.blob().then(function (blob) {
            var a = h('a', { href: URL.createObjectURL(blob), download: name });
            document.body.appendChild(a);
            a.click();
            a.remove();
            status.textContent = 'exported ' + name;
          });
        });
      } }, dataset + ' ' + format.toUpperCase());
    }
    return h('div', { class: 'range', id: 'exports' }, 'Export: ', dl('interactions', 'csv'), dl('interactions', 'ndjson'), dl('items', 'csv'), dl('profiles', 'csv'), status);
  }

  var DECISIONS = {
    ship: 'Ship', rollback: 'Keep control', stop_guardrail: 'Stop: guardrail hurt', invalid_srm: 'Invalid: sample ratio mismatch',
    keep_running: 'Keep running', no_difference: 'No difference', insufficient_data: 'Insufficient data'
  };
  function experiments() {
    var list = section('Experiments', 'experiment-list'), report = section('Results', 'experiment-report'), calc = section('Sample-size calculator', 'calculator');
    main.append(h('h2', { text: 'Experiment results' }), rangeForm(render), h('div', { class: 'grid one' }, list.el, report.el, calc.el));
    var kind = h('select', { id: 'ss-kind' }, h('option', { value: 'proportion', text: 'rate (proportion)' }), h('option', { value: 'mean', text: 'mean' }));
    var baseline = h('input', { id: 'ss-baseline', type: 'number', step: 'any', value: '0.05', size: 6 });
    var sd = h('input', { id: 'ss-sd', type: 'number', step: 'any', placeholder: 'sd (means)', size: 8 });
    var mde = h('input', { id: 'ss-mde', type: 'number', step: 'any', value: '0.1', size: 5 });
    var power = h('input', { id: 'ss-power', type: 'number', step: 'any', value: '0.8', size: 5 });
    var variants = h('input', { id: 'ss-variants', type: 'number', value: '2', min: '2', max: '10', size: 3 });
    var out = h('p', { id: 'sample-size-result', class: 'muted' });
    fill(calc.body, [h('form', { class: 'range', onsubmit: function (e) {
      e.preventDefault();
      var q = 'kind=' + kind.value + '&baseline=' + encodeURIComponent(baseline.value) + '&mde=' + encodeURIComponent(mde.value) + '&power=' + encodeURIComponent(power.value) + '&variants=' + encodeURIComponent(variants.value) + (sd.value ? '&sd=' + encodeURIComponent(sd.value) : '');
      api(A + 'sample-size?' + q).then(function (r) {
        out.textContent = '';
        if (r.status !== 200) return out.appendChild(problem(r, 'Sample size'));
        out.textContent = fmt(r.body.perVariant) + ' per variant, ' + fmt(r.body.total) + ' in total (two-sided α = ' + r.body.query.alpha + ', power ' + r.body.query.power + ').';
      });
    } }, kind, ' baseline ', baseline, ' ', sd, ' relative effect ', mde, ' power ', power, ' variants ', variants, ' ', h('button', { type: 'submit', id: 'ss-go' }, 'Calculate')), out]);
    api(A + 'experiments?' + qs()).then(function (r) {
      if (r.status !== 200) { fill(report.body, ''); return fill(list.body, problem(r, 'Experiments')); }
      var exps = r.body.experiments;
      if (!exps.length) { fill(report.body, ''); return fill(list.body, h('p', { class: 'muted', text: 'No experiment exposures in this range.' })); }
      var pick = h('select', { id: 'experiment-select', onchange: function () { load(pick.value); } }, exps.map(function (e) { return h('option', { value: e.experimentId, text: e.experimentId + ' (' + e.variants.join(', ') + '; ' + e.users + ' users)' }); }));
      fill(list.body, h('label', null, 'Experiment ', pick));
      load(exps[0].experimentId);
    });
    function load(id) {
      report.body.removeAttribute('data-ready');
      // The configured split (recommend's experiment API) makes the SRM check exact; equal weights otherwise.
      api('/v1/experiments/' + encodeURIComponent(id)).then(function (cfg) {
        var w = cfg.status === 200 && cfg.body && cfg.body.variants ? cfg.body.variants.map(function (v) { return v.name + ':' + v.weight; }).join(',') : '';
        return api(A + 'experiments/' + encodeURIComponent(id) + '?' + qs(w ? 'weights=' + encodeURIComponent(w) : ''));
      }).then(function (r) {
        if (r.status !== 200) return fill(report.body, problem(r, 'Experiment ' + id));
        var x = r.body, v = x.verdict;
        var banner = h('div', { id: 'verdict', class: 'verdict ' + v.decision, 'data-decision': v.decision },
          h('strong', { text: DECISIONS[v.decision] + (v.variant ? ': ' + v.variant : '') }), h('span', { text: ' ' + v.summary }),
          h('ul', null, v.reasons.map(function (t) { return h('li', { text: t }); })));
        var srm = h('p', { id: 'srm', class: x.srm.mismatch ? 'error' : 'muted', text: 'Sample ratio check: χ² = ' + fmt(x.srm.chiSquare, 2) + ', p = ' + fmt(x.srm.pValue, 4) + (x.srm.mismatch ? ' – MISMATCH' : ' – ok') + ' · units ' + x.variants.map(function (u) { return u.variant + ' ' + u.units; }).join(', ') });
        var metrics = x.metrics.map(function (m) {
          var est = table([['Variant', function (e) { return e.variant; }], ['n', function (e) { return fmt(e.n); }],
            [m.kind === 'proportion' ? 'Rate' : 'Mean', function (e) { return m.kind === 'proportion' ? pct(e.estimate, 2) : fmt(e.estimate, 2); }],
            ['95% interval', function (e) { return m.kind === 'proportion' ? pct(e.interval.low, 2) + ' – ' + pct(e.interval.high, 2) : fmt(e.interval.low, 2) + ' – ' + fmt(e.interval.high, 2); }]], m.variants);
          var cmp = table([['vs ' + x.control, function (c) { return c.variant; }], ['Δ', function (c) { return m.kind === 'proportion' ? pct(c.difference, 2) : fmt(c.difference, 3); }],
            ['Relative', function (c) { return c.relative === null ? '–' : pct(c.relative, 1); }],
            ['95% CI of Δ', function (c) { return m.kind === 'proportion' ? pct(c.interval.low, 2) + ' – ' + pct(c.interval.high, 2) : fmt(c.interval.low, 3) + ' – ' + fmt(c.interval.high, 3); }],
            ['p (fixed)', function (c) { return fmt(c.pValue, 4); }], ['p (always valid)', function (c) { return fmt(c.alwaysValidPValue, 4); }],
            ['Outcome', function (c) { return h('span', { class: 'tag ' + c.outcome, text: c.outcome }); }]], m.comparisons);
          return h('div', { class: 'metric', 'data-metric': m.metric }, h('h4', { text: m.metric + ' (' + m.role + ')' }), est, cmp, m.comparisons.length ? forest(m.comparisons, 'forest-' + m.metric) : null);
        });
        var alloc = h('p', { id: 'allocation', text: 'Thompson-sampling allocation: ' + x.allocation.map(function (a) { return a.variant + ' ' + pct(a.share, 0) + ' (P(best) ' + pct(a.probabilityBest, 1) + ')'; }).join(', ') });
        var ss = x.sampleSize ? h('p', { id: 'sample-size', text: 'Sample size for a ' + pct(x.sampleSize.mde, 0) + ' relative effect on ' + x.sampleSize.metric + ': ' + fmt(x.sampleSize.requiredPerVariant) + ' per variant; smallest variant has ' + fmt(x.sampleSize.smallestVariant) + '.' }) : null;
        fill(report.body, [banner, srm, metrics, alloc, ss, h('p', { class: 'muted', text: x.looks + ' daily looks; decisions use always-valid (mSPRT) p-values, so checking this page daily does not inflate false positives.' })]);
      });
    }
  }

  var S = '/v1/admin/scheduling/';
  function schedule() {
    var stats = section('Status', 'schedule-stats'), cal = section('Calendar', 'calendar'), list = section('Schedules', 'schedule-list');
    var view = h('select', { id: 'cal-view' }, ['month', 'week', 'day'].map(function (v) { return h('option', { value: v, text: v }); }));
    var date = h('input', { type: 'date', id: 'cal-date', value: isoDay(0) });
    var status = h('select', { id: 'filter-status' }, ['', 'pending', 'published', 'failed', 'cancelled', 'expired'].map(function (v) { return h('option', { value: v, text: v || 'any status' }); }));
    var kind = h('select', { id: 'filter-kind' }, ['', 'video', 'banner', 'announcement', 'recommendation_slot', 'series'].map(function (v) { return h('option', { value: v, text: v || 'any kind' }); }));
    main.append(h('h2', { text: 'Schedule' }),
      h('form', { class: 'range', onsubmit: function (e) { e.preventDefault(); loadCal(); loadList(''); } }, view, ' ', date, ' ', status, ' ', kind, ' ', h('button', { type: 'submit', id: 'cal-apply' }, 'Show')),
      h('div', { class: 'grid one' }, stats.el, cal.el, list.el));
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    function loadStats() {
      // Pending and due come from the Scheduler; published today / this week and gate failures
      // from its schedule events in ClickHouse.
      Promise.all([api(S + 'stats'), api(A + 'schedules?timeZone=' + encodeURIComponent(tz))]).then(function (rs) {
        var r = rs[0], a = rs[1];
        if (r.status !== 200) return fill(stats.body, problem(r, 'Scheduling'));
        var b = r.body.byStatus || {};
        var cards = [['pending', b.pending || 0], ['published', b.published || 0], ['failed', b.failed || 0], ['cancelled', b.cancelled || 0], ['due in 24 h', r.body.dueNext24h]];
        if (a.status === 200) cards.push(['published today', a.body.publishedToday], ['published this week', a.body.publishedThisWeek], ['gate failures (7 d)', a.body.failedThisWeek]);
        fill(stats.body, [h('div', { class: 'kpis' }, cards.map(function (c) { return h('div', { class: 'kpi', 'data-kpi': c[0] }, h('span', { class: 'v', text: fmt(c[1]) }), h('span', { class: 'l', text: c[0] })); })),
          a.status === 200 ? null : problem(a, 'Publishing statistics')]);
      });
    }
    function loadCal() {
      api(S + 'calendar?view=' + view.value + '&date=' + date.value + '&timeZone=' + encodeURIComponent(tz)).then(function (r) {
        if (r.status !== 200) return fill(cal.body, problem(r, 'Calendar'));
        fill(cal.body, calendarGrid(r.body, tz));
      });
    }
    function loadList(message) {
      var q = 'limit=50' + (status.value ? '&status=' + status.value : '') + (kind.value ? '&contentKind=' + kind.value : '');
      api(S + 'schedules?' + q).then(function (r) {
        if (r.status !== 200) return fill(list.body, problem(r, 'Schedules'));
        var items = r.body.items || [];
        var boxes = [];
        var rows = items.map(function (it) { var cb = h('input', { type: 'checkbox', value: it.id, 'aria-label': 'select ' + it.title }); boxes.push(cb); return { it: it, cb: cb }; });
        var result = h('p', { id: 'batch-result', class: 'muted', text: message || '' });
        var cancel = h('button', { id: 'batch-cancel', type: 'button', onclick: function () {
          var ids = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
          if (!ids.length) { result.textContent = 'Select schedules first.'; return; }
          api(S + 'batch', { method: 'POST', body: { cancel: ids } }).then(function (res) {
            if (res.status >= 300) { result.textContent = ''; result.appendChild(problem(res, 'Batch cancel')); return; }
            var ok = (res.body.cancel || []).filter(function (x) { return x.ok; }).length;
            // The list is re-rendered with the new statuses; the outcome is shown in it.
            loadList('Cancelled ' + ok + ' of ' + ids.length + '.');
            loadStats();
            loadCal();
          });
        } }, 'Cancel selected');
        fill(list.body, items.length ? [table([['', function (x) { return x.cb; }], ['When', function (x) { return x.it.scheduledAt; }], ['Title', function (x) { return x.it.title; }], ['Kind', function (x) { return x.it.contentKind; }], ['Action', function (x) { return x.it.action; }], ['Status', function (x) { return h('span', { class: 'tag ' + x.it.status, text: x.it.status }); }]], rows, 'schedules-table'), cancel, result]
          : h('p', { class: 'muted', text: 'No schedules match.' }));
      });
    }
    loadStats();
    loadCal();
    loadList('');
  }

  /** Local calendar date 'YYYY-MM-DD' of an instant in a zone. */
  function localDate(iso, tz) {
    return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
  }
  function localTime(iso, tz) {
    return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
  }
  function addDays(day, n) { return new Date(Date.parse(day + 'T00:00:00Z') + n * 86400000).toISOString().slice(0, 10); }
  /** Month: weeks × 7 days (Monday first); week: 7 days; day: 24 hours. Cells list that slot's entries. */
  function calendarGrid(c, tz) {
    var byKey = {};
    c.buckets.forEach(function (b) { byKey[b.key] = b.entries; });
    function cell(key, label, extra) {
      var entries = byKey[key] || [];
      return h('div', { class: 'cell' + (extra || ''), 'data-key': key }, h('b', { text: label }),
        h('ul', null, entries.map(function (e) { return h('li', { class: 'tag ' + e.status, title: e.contentKind + ' ' + e.contentId, text: localTime(e.at, tz) + ' ' + e.action + ' ' + e.title }); })));
    }
    var first = localDate(c.from, tz);
    var cells = [];
    if (c.view === 'day') {
      for (var hr = 0; hr < 24; hr++) { var hh = String(hr).padStart(2, '0'); cells.push(cell(first + 'T' + hh, hh + ':00')); }
      return h('div', { class: 'calendar day', 'data-view': 'day' }, cells);
    }
    var names = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    var head = names.map(function (n) { return h('div', { class: 'head', text: n }); });
    var start = first, days = 7;
    if (c.view === 'month') {
      var lead = (new Date(first + 'T00:00:00Z').getUTCDay() + 6) % 7;
      start = addDays(first, -lead);
      var last = addDays(localDate(c.to, tz), c.to === c.from ? 0 : -1);
      var span = Math.round((Date.parse(last + 'T00:00:00Z') - Date.parse(start + 'T00:00:00Z')) / 86400000) + 1;
      days = Math.ceil(span / 7) * 7;
    }
    for (var i = 0; i < days; i++) {
      var d = addDays(start, i);
      cells.push(cell(d, d.slice(8, 10) === '01' || i === 0 ? d.slice(5) : d.slice(8), c.view === 'month' && d.slice(0, 7) !== first.slice(0, 7) ? ' other' : ''));
    }
    return h('div', { class: 'calendar ' + c.view, 'data-view': c.view }, head, cells);
  }

  /** Pages of capabilities other engineers own: use their API when it is deployed. */
  var pollTimer = null;
  function poll(fn, ms) { fn(); pollTimer = setInterval(fn, ms); }
  function actionButton(label, id, onclick) { return h('button', { type: 'button', 'data-action': label, 'data-id': id, onclick: onclick }, label); }

  var B = '/v1/admin/broadcaster';
  function broadcaster() {
    var sec = section('Broadcaster', 'remote'), logSec = section('Callback log', 'broadcast-log');
    var result = h('p', { id: 'broadcast-result', class: 'muted' });
    main.append(h('h2', { text: 'Broadcaster' }), result, h('div', { class: 'grid one' }, sec.el, logSec.el));
    function act(what, taskId) {
      return function () {
        api(B + '/' + what + '?taskId=' + encodeURIComponent(taskId), { method: 'POST', body: {} }).then(function (r) {
          result.textContent = '';
          if (r.status >= 300) result.appendChild(problem(r, what + ' ' + taskId));
          else result.textContent = what + ' ' + taskId + ': done';
          load();
        });
      };
    }
    function load() {
      api(B).then(function (r) {
        if (r.status !== 200) return fill(sec.body, problem(r, 'Broadcaster'));
        var b = r.body, tasks = b.tasks || [];
        fill(sec.body, [h('p', { id: 'broadcaster-status', 'data-running': b.running ? '1' : '0', text: (b.running ? 'Running' : 'Stopped') + ' · next post ' + (b.nextAlarmAt || '–') }),
          tasks.length ? table([['Task', function (t) { return t.taskId; }], ['Site', function (t) { return t.siteName; }], ['Target', function (t) { return t.targetUrl; }],
            ['Every', function (t) { return t.intervalSeconds + ' s'; }], ['State', function (t) { return h('span', { class: 'tag ' + (t.active ? 'published' : ''), 'data-task-state': t.taskId, text: t.active ? 'active' : 'stopped' }); }],
            ['Last run', function (t) { return (t.lastRunAt || '–') + (t.lastStatus ? ' (' + t.lastStatus + ')' : '') + (t.lastError ? ' ' + t.lastError : ''); }],
            ['', function (t) { return [actionButton('start', t.taskId, act('start', t.taskId)), ' ', actionButton('stop', t.taskId, act('stop', t.taskId)), ' ', actionButton('trigger', t.taskId, act('trigger', t.taskId))]; }]], tasks, 'broadcaster-tasks')
            : h('p', { class: 'muted', text: 'No broadcast tasks.' })]);
      });
      api(B + '/log?limit=20').then(function (r) {
        if (r.status !== 200) return fill(logSec.body, problem(r, 'Callback log'));
        var rows = Array.isArray(r.body) ? r.body : (r.body.items || r.body.log || []);
        fill(logSec.body, rows.length ? table([['At', function (x) { return x.at; }], ['Task', function (x) { return x.taskId; }], ['Trigger', function (x) { return x.trigger; }], ['Attempt', function (x) { return x.attempt; }],
          ['Result', function (x) { return h('span', { class: 'tag ' + (x.ok ? 'better' : 'worse'), text: x.ok ? 'ok ' + (x.status || '') : 'failed ' + (x.status || '') }); }], ['Error', function (x) { return x.error || ''; }]], rows, 'broadcast-log-table')
          : h('p', { class: 'muted', text: 'No webhook posts yet.' }));
      });
    }
    poll(load, 5000);
  }

  var C = '/v1/admin/campaigns';
  function campaigns() {
    var sec = section('Campaigns', 'remote');
    var result = h('p', { id: 'campaign-result', class: 'muted' });
    main.append(h('h2', { text: 'Campaigns' }), result, h('div', { class: 'grid one' }, sec.el));
    function act(what, id) {
      return function () {
        api(C + '/' + encodeURIComponent(id) + '/' + what, { method: 'POST', body: {} }).then(function (r) {
          result.textContent = '';
          if (r.status >= 300) result.appendChild(problem(r, what));
          else result.textContent = what + ': done';
          load();
        });
      };
    }
    function load() {
      api(C).then(function (r) {
        if (r.status !== 200) return fill(sec.body, problem(r, 'Campaigns'));
        var items = (r.body.items || []).slice(0, 20);
        if (!items.length) return fill(sec.body, h('p', { class: 'muted', text: 'No campaigns.' }));
        // Details carry recipients and batch progress; the list index only the counters.
        Promise.all(items.map(function (c) { return api(C + '/' + encodeURIComponent(c.id)); })).then(function (details) {
          var rows = items.map(function (c, i) { return { c: c, d: details[i].status === 200 ? details[i].body : null }; });
          fill(sec.body, table([['Campaign', function (x) { return x.c.name; }], ['Send at', function (x) { return x.c.sendAt || 'draft'; }],
            ['Status', function (x) { return h('span', { class: 'tag ' + x.c.status, 'data-campaign-status': x.c.name, text: x.c.status }); }],
            ['Progress', function (x) { var total = x.d ? x.d.recipients : 0; return [h('progress', { max: Math.max(total, 1), value: x.c.sentCount }), ' ' + fmt(x.c.sentCount) + ' / ' + fmt(total) + (x.d ? ' · batches ' + x.d.batches.sent + '/' + x.d.batches.total + (x.d.batches.failed ? ', ' + x.d.batches.failed + ' failed' : '') : '')]; }],
            ['', function (x) { return [actionButton('pause', x.c.id, act('pause', x.c.id)), ' ', actionButton('resume', x.c.id, act('resume', x.c.id)), ' ', actionButton('cancel', x.c.id, act('cancel', x.c.id))]; }]], rows, 'campaigns-table'));
        });
      });
    }
    poll(load, 5000);
  }

  function transcode() {
    var sec = section('Transcode jobs', 'remote');
    main.append(h('h2', { text: 'Transcode jobs' }), h('div', { class: 'grid one' }, sec.el));
    poll(function () {
      api('/v1/admin/media/jobs').then(function (r) {
        if (r.status !== 200) return fill(sec.body, problem(r, 'Transcode jobs'));
        var jobs = r.body.jobs || r.body.items || [];
        fill(sec.body, jobs.length ? table([['Job', function (j) { return j.jobId; }], ['Video', function (j) { return j.videoId; }], ['State', function (j) { return j.state; }], ['Progress', function (j) { return [h('progress', { max: 100, value: j.percent || 0 }), ' ' + fmt(j.percent || 0, 0) + '%']; }]], jobs, 'transcode-table') : h('p', { class: 'muted', text: 'No transcode jobs.' }));
      });
    }, 5000);
  }

  var PAGES = { dashboards: dashboards, experiments: experiments, schedule: schedule, broadcaster: broadcaster, campaigns: campaigns, transcode: transcode };
  function render() {
    var page = (location.hash || '#dashboards').slice(1);
    state.page = PAGES[page] ? page : 'dashboards';
    document.querySelectorAll('nav a').forEach(function (a) { a.classList.toggle('active', a.getAttribute('href') === '#' + state.page); });
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    main.textContent = '';
    if (!key()) { main.append(h('p', { class: 'muted', id: 'need-key', text: 'Enter an admin, senior or super API key above.' })); return; }
    PAGES[state.page]();
  }
  var form = document.getElementById('login');
  var input = document.getElementById('api-key');
  form.addEventListener('submit', function (e) { e.preventDefault(); sessionStorage.setItem(KEY, input.value.trim()); input.value = ''; document.getElementById('who').textContent = 'key set'; render(); });
  document.getElementById('logout').addEventListener('click', function () { sessionStorage.removeItem(KEY); document.getElementById('who').textContent = ''; render(); });
  if (key()) document.getElementById('who').textContent = 'key set';
  window.addEventListener('hashchange', render);
  render();
})();
`;
