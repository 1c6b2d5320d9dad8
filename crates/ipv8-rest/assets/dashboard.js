// The ipv8-rs dashboard: polls the node's REST API every 2 s (and at once on every server-sent
// event) and draws health, peers per community, errors per class, message statistics and peers.
// Plain browser JavaScript, no dependencies, embedded in the binary.
"use strict";
(function () {
  var POLL_MS = 2000;
  var COLORS = ["#1f6feb", "#1a7f37", "#bf3989", "#9a6700", "#8250df", "#cf222e", "#0a7ea4", "#57606a"];
  var apiKey = new URLSearchParams(window.location.search).get("apikey");
  var state = { samples: [], lastStats: null, lastStatsAt: 0, polls: 0, errors: 0 };
  window.ipv8Dashboard = state; // read by the browser test

  function get(path) {
    var headers = { Accept: "application/json" };
    if (apiKey) headers["X-Api-Key"] = apiKey;
    return fetch(path, { headers: headers, cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error(path + ": HTTP " + r.status);
      return r.json();
    });
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function fmtAge(s) {
    if (s === null || s === undefined) return "never";
    if (s < 1) return "now";
    if (s < 90) return Math.round(s) + " s ago";
    if (s < 5400) return Math.round(s / 60) + " min ago";
    return (s / 3600).toFixed(1) + " h ago";
  }

  function fmtBytes(n) {
    if (n < 1024) return n + " B";
    if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
    return (n / 1048576).toFixed(1) + " MiB";
  }

  function fmtTime(unix) {
    return new Date(unix * 1000).toLocaleTimeString();
  }

  function color(i) { return COLORS[i % COLORS.length]; }

  // A line chart of `series` ([{name, points: [[t, v]...]}]) on `canvas`.
  function drawChart(canvas, series, legend) {
    var ratio = window.devicePixelRatio || 1;
    var width = canvas.clientWidth || 600;
    var height = canvas.height / (canvas.dataset.ratio || 1);
    canvas.dataset.ratio = ratio;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.height = height + "px";
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    var pad = { l: 40, r: 10, t: 10, b: 22 };
    var tMin = Infinity, tMax = -Infinity, vMax = 1, points = 0;
    series.forEach(function (s) {
      s.points.forEach(function (p) {
        tMin = Math.min(tMin, p[0]); tMax = Math.max(tMax, p[0]); vMax = Math.max(vMax, p[1]);
        points += 1;
      });
    });
    canvas.dataset.series = String(series.length);
    canvas.dataset.points = String(points);
    canvas.dataset.max = String(points ? vMax : 0);
    var step = Math.max(1, Math.ceil(vMax / 4));
    vMax = step * 4;
    if (!isFinite(tMin)) { tMin = Date.now() / 1000 - 60; tMax = tMin + 60; }
    if (tMax - tMin < 10) tMin = tMax - 10;
    var x = function (t) { return pad.l + (t - tMin) / (tMax - tMin) * (width - pad.l - pad.r); };
    var y = function (v) { return height - pad.b - v / vMax * (height - pad.t - pad.b); };
    ctx.strokeStyle = "#dfe3ea"; ctx.fillStyle = "#6b7380"; ctx.lineWidth = 1;
    ctx.font = "11px system-ui, sans-serif";
    for (var i = 0; i <= 4; i++) {
      var v = step * i, yy = Math.round(y(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(pad.l, yy); ctx.lineTo(width - pad.r, yy); ctx.stroke();
      ctx.fillText(String(Math.round(v)), 4, yy + 4);
    }
    ctx.fillText(fmtTime(tMin), pad.l, height - 6);
    var right = fmtTime(tMax);
    ctx.fillText(right, width - pad.r - ctx.measureText(right).width, height - 6);
    series.forEach(function (s, idx) {
      ctx.strokeStyle = color(idx); ctx.lineWidth = 2; ctx.beginPath();
      s.points.forEach(function (p, j) {
        if (j === 0) ctx.moveTo(x(p[0]), y(p[1])); else ctx.lineTo(x(p[0]), y(p[1]));
      });
      ctx.stroke();
    });
    legend.textContent = "";
    series.forEach(function (s, idx) {
      var item = el("span");
      var swatch = el("i"); swatch.style.background = color(idx);
      item.appendChild(swatch);
      var last = s.points.length ? s.points[s.points.length - 1][1] : 0;
      item.appendChild(document.createTextNode(s.name + " (" + last + ")"));
      legend.appendChild(item);
    });
  }

  function renderHistory(history) {
    if (history.samples.length) {
      var lastT = state.samples.length ? state.samples[state.samples.length - 1].t : -1;
      history.samples.forEach(function (s) { if (s.t > lastT) state.samples.push(s); });
      while (state.samples.length > history.capacity) state.samples.shift();
    }
    var samples = state.samples;
    var names = [];
    samples.forEach(function (s) {
      Object.keys(s.communities).forEach(function (n) { if (names.indexOf(n) < 0) names.push(n); });
    });
    var peerSeries = names.map(function (n) {
      return { name: n, points: samples.filter(function (s) { return n in s.communities; })
        .map(function (s) { return [s.t, s.communities[n]]; }) };
    });
    drawChart(document.getElementById("peer-chart"), peerSeries, document.getElementById("peer-legend"));
    var span = samples.length ? samples[samples.length - 1].t - samples[0].t : 0;
    var spanText = span < 120 ? Math.round(span) + " s" : Math.round(span / 60) + " min";
    document.getElementById("peer-window").textContent = "(last " + spanText + ", server-side history)";
    var classes = samples.length ? Object.keys(samples[0].errors) : [];
    var errorSeries = [];
    classes.forEach(function (c) {
      var pts = [], seen = false;
      for (var i = 1; i < samples.length; i++) {
        var d = Math.max(0, samples[i].errors[c] - samples[i - 1].errors[c]);
        if (d > 0) seen = true;
        pts.push([samples[i].t, d]);
      }
      if (seen) errorSeries.push({ name: c, points: pts });
    });
    var beacon = [];
    for (var i = 1; i < samples.length; i++) {
      beacon.push([samples[i].t, Math.max(0, samples[i].beacon_errors - samples[i - 1].beacon_errors)]);
    }
    if (beacon.some(function (p) { return p[1] > 0; })) errorSeries.push({ name: "beacon send (all classes)", points: beacon });
    if (!errorSeries.length) {
      errorSeries.push({ name: "no errors", points: samples.slice(1).map(function (s) { return [s.t, 0]; }) });
    }
    drawChart(document.getElementById("error-chart"), errorSeries, document.getElementById("error-legend"));
  }

  function renderHealth(h) {
    var badge = document.getElementById("health");
    if (h.receiving) {
      badge.className = "badge ok";
      badge.textContent = "receiving";
    } else {
      badge.className = "badge bad";
      badge.textContent = "deaf since " + (h.last_receive ? fmtTime(h.last_receive) : "start");
    }
    // From the absolute time: a stopped driver's last snapshot keeps its ages frozen.
    var age = h.last_receive ? Math.max(0, Date.now() / 1000 - h.last_receive) : null;
    document.getElementById("summary").textContent =
      h.peers + " peers · bound " + (h.bound.join(", ") || "nothing") + " · last datagram " +
      fmtAge(age) + " · uptime " + Math.round(h.uptime) + " s";
    var sum = function (o) { return Object.keys(o).reduce(function (a, k) { return a + o[k]; }, 0); };
    var rows = [
      ["datagrams up / down", h.traffic.datagrams_up + " / " + h.traffic.datagrams_down],
      ["bytes up / down", fmtBytes(h.traffic.bytes_up) + " / " + fmtBytes(h.traffic.bytes_down)],
      ["receive errors", sum(h.errors.receive)],
      ["send errors (node)", sum(h.errors.send)],
      ["send errors (LAN beacon)", sum(h.beacon.send_errors)],
      ["rebinds (failed)", h.rebinds + " (" + h.rebind_failures + ")"],
      ["last rebind", h.last_rebind ? h.last_rebind.reason + " at " + fmtTime(h.last_rebind.at) : "none"],
      ["watchdog", h.watchdog.enabled ? (h.watchdog.expecting_traffic ? "watching: silent " +
        Math.round(h.watchdog.silent_for) + " s of " + Math.round(h.watchdog.silence_timeout) + " s" : "idle (no peers)") : "off"],
      ["drops", sum(h.drops)]
    ];
    var body = document.querySelector("#health-table tbody");
    body.textContent = "";
    rows.forEach(function (r) {
      var tr = el("tr"); tr.appendChild(el("th", r[0])); tr.appendChild(el("td", r[1], "n"));
      body.appendChild(tr);
    });
  }

  function renderStats(stats) {
    var now = Date.now() / 1000;
    var prev = state.lastStats, dt = now - state.lastStatsAt;
    var body = document.querySelector("#stats-table tbody");
    body.textContent = "";
    var next = {};
    stats.statistics.forEach(function (entry) {
      Object.keys(entry).forEach(function (community) {
        var messages = entry[community];
        Object.keys(messages).forEach(function (name) {
          var m = messages[name], key = community + "/" + name;
          next[key] = m;
          var old = prev && prev[key];
          var rate = function (f) {
            return old && dt > 0 ? ((m[f] - old[f]) / dt).toFixed(2) : "–";
          };
          var tr = el("tr");
          [community, name].forEach(function (v) { tr.appendChild(el("td", v)); });
          [m.num_up, m.num_down, fmtBytes(m.bytes_up), fmtBytes(m.bytes_down), rate("num_up"), rate("num_down")]
            .forEach(function (v) { tr.appendChild(el("td", v, "n")); });
          body.appendChild(tr);
        });
      });
    });
    state.lastStats = next;
    state.lastStatsAt = now;
    document.getElementById("stats-note").textContent = stats.statistics.length ? "" :
      "Statistics are off (POST /overlays/statistics {\"enable\": true, \"all\": true} turns them on).";
  }

  function renderPeers(peers) {
    var body = document.querySelector("#peers-table tbody");
    body.textContent = "";
    peers.peers.forEach(function (p) {
      var tr = el("tr");
      tr.appendChild(el("td", p.address));
      var mid = el("td", p.mid.slice(0, 12) + "…", "mid"); mid.title = p.mid;
      tr.appendChild(mid);
      tr.appendChild(el("td", fmtAge(p.last_response_age), "n"));
      tr.appendChild(el("td", p.communities.join(", ")));
      body.appendChild(tr);
    });
    document.getElementById("peer-count").textContent = "(" + peers.peers.length + ")";
  }

  var polling = false;
  function poll() {
    if (polling) return;
    polling = true;
    var since = state.samples.length ? "?since=" + state.samples[state.samples.length - 1].t : "";
    Promise.all([get("/health"), get("/history" + since), get("/overlays/statistics"), get("/peers")])
      .then(function (r) {
        renderHealth(r[0]); renderHistory(r[1]); renderStats(r[2]); renderPeers(r[3]);
        state.polls += 1;
      })
      .catch(function (e) {
        state.errors += 1;
        var badge = document.getElementById("health");
        badge.className = "badge bad";
        badge.textContent = "node unreachable";
        document.getElementById("summary").textContent = String(e.message || e);
      })
      .then(function () { polling = false; });
  }

  function logEvent(data) {
    var list = document.getElementById("events");
    var text = fmtTime(data.time || Date.now() / 1000) + " " + data.type;
    if (data.type === "peer_added" || data.type === "peer_removed") {
      text += " " + data.community + " " + data.address + " " + data.mid.slice(0, 12);
    } else if (data.type === "error") {
      text += " " + data.op + " " + data.class + " +" + data.count;
    } else if (data.type === "rebind") {
      text += " " + data.reason + (data.succeeded ? "" : " (failed)");
    } else if (data.type === "receiving") {
      text += " " + data.receiving;
    } else if (data.type === "wan_changed") {
      text += " " + data.community + " " + data.wan;
    } else if (data.type === "lagged") {
      text += " (" + data.missed + " events missed)";
    } else if (data.type === "bootstrapped") {
      text += " " + data.community + " via " + data.tracker;
    }
    var item = el("li", text, data.type === "error" ? "error" : "");
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 200) list.removeChild(list.lastChild);
  }

  function listen() {
    if (!window.EventSource) return;
    // The recent events first (the server keeps them), then live ones.
    var source = new EventSource("/events?recent=50" + (apiKey ? "&apikey=" + encodeURIComponent(apiKey) : ""));
    ["peer_added", "peer_removed", "bootstrapped", "wan_changed", "error", "rebind", "receiving", "lagged"]
      .forEach(function (name) {
        source.addEventListener(name, function (e) {
          var data = JSON.parse(e.data);
          logEvent(data);
          if (data.time === undefined || Date.now() / 1000 - data.time < 5) poll();
        });
      });
  }

  poll();
  setInterval(poll, POLL_MS);
  listen();
  window.addEventListener("resize", function () { renderHistory({ samples: [], capacity: Infinity }); });
})();
