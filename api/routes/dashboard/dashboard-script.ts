// The dashboard page's script, served as /dashboard/app.js (plain browser JavaScript, no build
// step). The key lives in sessionStorage and travels only as a Bearer header; the live feed is
// read as Server-Sent Events through fetch (EventSource cannot send headers). Data is rendered
// with textContent only, so nothing from jobs or webhooks is ever parsed as HTML.
export const DASHBOARD_SCRIPT = String.raw`
"use strict";
(function () {
  var KEY = "genq.dashboard.key";
  var open = document.body.getAttribute("data-open") === "1";
  var controller = null;
  var retryMs = 1000;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function ms(value) {
    if (value === null || value === undefined) return "–";
    return value < 1000 ? value + " ms" : (value / 1000).toFixed(value < 10000 ? 2 : 1) + " s";
  }
  function time(iso) { return new Date(iso).toLocaleTimeString(); }
  function table(container, headers, rows, emptyText) {
    container.replaceChildren();
    if (rows.length === 0) { container.appendChild(el("p", emptyText, "empty")); return; }
    var t = el("table"), head = el("tr");
    headers.forEach(function (h) { head.appendChild(el("th", h.label, h.num ? "num" : "")); });
    t.appendChild(head);
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (cell) { tr.appendChild(cell instanceof Node ? cell : el("td", cell)); });
      t.appendChild(tr);
    });
    container.appendChild(t);
  }
  function num(value) { return el("td", value, "num" + (value === 0 ? " zero" : " hot")); }
  function cell(text, cls) { return el("td", text, cls); }

  function render(s) {
    $("scope").textContent = s.scope === "admin" ? "admin view" : "tenant view";
    $("updated").textContent = "updated " + time(s.at);
    var levels = []; for (var i = 0; i < 10; i++) levels.push({ label: "p" + i, num: true });
    table($("queues"), [{ label: "model" }].concat(levels, [{ label: "waiting", num: true }, { label: "held by workers", num: true }]),
      s.queues.map(function (q) { return [cell(q.model)].concat(q.waiting_by_priority.map(num), [num(q.waiting), num(q.active)]); }), "no models");
    table($("models"), [{ label: "model" }, { label: "state" }, { label: "workers", num: true }],
      s.models.map(function (m) { return [cell(m.name + (m.default ? " (default)" : "")), cell(m.state, "state " + m.state), num(m.workers)]; }), "no models");
    $("workers-section").hidden = !s.workers;
    if (s.workers) {
      table($("workers"), [{ label: "worker" }, { label: "models" }, { label: "batch", num: true }, { label: "waiting", num: true }, { label: "KV cache" }, { label: "metrics" }, { label: "seen" }],
        s.workers.map(function (w) {
          var kv = el("td"), bar = el("span", null, "bar"), fill = el("span");
          fill.style.width = Math.round(w.kv_usage_ratio * 100) + "%";
          bar.appendChild(fill); kv.appendChild(bar); kv.appendChild(document.createTextNode(Math.round(w.kv_usage_ratio * 100) + "%"));
          return [cell(w.id, "mono"), cell(w.models.join(", ")), num(w.running), num(w.waiting), kv, cell(w.metrics_url || "–", "mono"), cell(time(w.seen_at))];
        }), "no live worker");
    }
    var jobHeaders = [{ label: "job" }, { label: "status" }, { label: "model" }, { label: "priority", num: true }];
    if (s.scope === "admin") jobHeaders.push({ label: "tenant" });
    jobHeaders.push({ label: "created" }, { label: "queue wait", num: true }, { label: "latency", num: true }, { label: "tokens", num: true }, { label: "error" });
    table($("jobs"), jobHeaders, s.jobs.map(function (j) {
      var row = [cell(j.id, "mono job-id"), cell(j.status, "status " + j.status), cell(j.model), cell(j.priority, "num")];
      if (s.scope === "admin") row.push(cell(j.tenant || "(keyless)", "mono"));
      row.push(cell(time(j.created_at)), cell(ms(j.queue_wait_ms), "num"), cell(ms(j.latency_ms), "num"), cell(j.completion_tokens, "num"), cell(j.error_code || ""));
      return row;
    }), "no jobs yet");
    var hookHeaders = [{ label: "when" }, { label: "job" }, { label: "event" }, { label: "url" }, { label: "outcome" }, { label: "error" }, { label: "attempts", num: true }];
    table($("webhooks"), hookHeaders, s.webhook_failures.map(function (f) {
      return [cell(time(f.at)), cell(f.job_id, "mono"), cell(f.event), cell(f.url, "mono"), cell(f.outcome, "status failed"), cell(f.error), cell(f.attempts, "num")];
    }), "no failed deliveries");
  }

  function setConnection(state, text) {
    var pill = $("connection");
    pill.className = "pill " + state;
    pill.textContent = text;
  }
  function showLogin(message) {
    if (controller) controller.abort();
    $("board").hidden = true; $("login").hidden = false; $("forget").hidden = true;
    $("login-error").textContent = message || "";
    $("key").focus();
  }
  function handleFrame(frame) {
    var event = "message", data = [];
    frame.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) event = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
    });
    if (event === "snapshot") { render(JSON.parse(data.join("\n"))); setConnection("live", "live"); }
    else if (event === "unavailable") setConnection("down", "live data unavailable");
  }
  function reconnectLater() {
    setConnection("down", "reconnecting…");
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 15000);
  }
  async function connect() {
    var key = sessionStorage.getItem(KEY);
    if (!key && !open) return showLogin();
    $("login").hidden = true; $("board").hidden = false; $("forget").hidden = !key;
    controller = new AbortController();
    var response;
    try {
      response = await fetch("/v1/dashboard/events", { headers: key ? { authorization: "Bearer " + key } : {}, cache: "no-store", signal: controller.signal });
    } catch (error) {
      if (controller.signal.aborted) return;
      return reconnectLater();
    }
    if (response.status === 401) { sessionStorage.removeItem(KEY); return showLogin("That key was not accepted."); }
    if (!response.ok || !response.body) return reconnectLater();
    retryMs = 1000;
    var reader = response.body.pipeThrough(new TextDecoderStream()).getReader(), buffer = "";
    try {
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer += chunk.value.replace(/\r\n/g, "\n");
        var end;
        while ((end = buffer.indexOf("\n\n")) >= 0) { handleFrame(buffer.slice(0, end)); buffer = buffer.slice(end + 2); }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
    }
    reconnectLater();
  }

  $("login").addEventListener("submit", function (event) {
    event.preventDefault();
    var key = $("key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY, key);
    $("key").value = "";
    connect();
  });
  $("forget").addEventListener("click", function () { sessionStorage.removeItem(KEY); showLogin(); });
  connect();
})();
`;
