// The floor manager's dashboard: queues and windows as they are now (polled with the
// sign-in token in a header, never in a URL), alerts, actions, and today's charts.
import {
  $, api, clearErrors, duration, el, minutes, name, routingEditor, showErrors, staffPage, t,
} from "./common.js";

const SNAPSHOT_EVERY_MS = 3000;
const DEVICES_EVERY_MS = 15000;
const CHARTS_EVERY_MS = 60000;
const DEVICE_SILENT_S = 180;   // a kiosk or display not heard from for this long is offline
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf"];

let token = null;
const data = { snapshot: null, departments: new Map(), devices: [], lockouts: [], trend: null };
const charts = {};

function clockTime(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function alertsFrom(snapshot, devices, lockouts) {
  const out = [];
  for (const lock of lockouts) {
    const kind = lock.scope.replace("sign-in:", "");
    out.push({ kind: "sign_in_locked", id: `${lock.scope}:${lock.subject}`, level: "high", lift: lock,
      text: t(`alert.sign_in_locked_${kind}`, { subject: lock.subject, until: clockTime(lock.until) }) });
  }
  const queues = new Map(snapshot.queues.map((q) => [q.id, q]));
  for (const q of snapshot.queues) {
    if (q.over_target) {
      out.push({ kind: "queue_over_target", id: q.id, level: "high",
        text: t("alert.queue_over_target", { queue: `${q.prefix} ${name(q)}`, minutes: minutes(q.longest_wait_s),
          target: minutes(q.waiting_target_s), waiting: q.waiting }) });
    }
  }
  for (const w of snapshot.windows) {
    if (w.idle_while_waiting) {
      const waiting = w.queue_ids.reduce((n, id) => n + (queues.get(id)?.waiting || 0), 0);
      out.push({ kind: "window_idle", id: w.number, level: "medium",
        text: t("alert.window_idle", { window: w.number, waiting }) });
    }
  }
  for (const d of devices) {
    const s = d.status || {};
    const label = `${t(`device.kind.${d.kind}`)} ${d.name}`;
    if (s.printer === "out" || s.printer === "near_end" || s.printer === "error" || s.printer === "offline") {
      out.push({ kind: "device_printer", id: d.id, level: s.printer === "near_end" ? "medium" : "high",
        text: t(`alert.printer_${s.printer}`, { device: label }) });
    }
    const silent = d.last_seen_s !== null && d.last_seen_s > DEVICE_SILENT_S;
    if ((d.kind === "kiosk" || d.kind === "display") && (silent || s.online === false)) {
      out.push({ kind: "device_offline", id: d.id, level: "high",
        text: t("alert.device_offline", { device: label, minutes: minutes(d.last_seen_s) }) });
    }
  }
  return out;
}

function drawAlerts() {
  const list = alertsFrom(data.snapshot, data.devices, data.lockouts);
  $("#alerts").replaceChildren(...list.map((a) => el("li", { class: `alert ${a.level}`,
    dataset: { kind: a.kind, id: a.id } }, a.text,
    a.lift ? el("button", { type: "button", class: "lift", onclick: () => liftLockout(a.lift) }, t("manage.lift"))
      : null)));
  $("#alert-count").textContent = String(list.length);
  $("#alert-count").classList.toggle("hot", list.length > 0);
  $("#no-alerts").hidden = list.length > 0;
}

function sparkline(values) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 100 24");
  svg.setAttribute("class", "spark");
  if (!values || values.length < 2) return svg;
  const top = Math.max(1, ...values);
  const points = values.map((v, i) => `${(i * 100) / (values.length - 1)},${22 - (v / top) * 20}`).join(" ");
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points);
  svg.append(line);
  return svg;
}

function drawQueues() {
  const snap = data.snapshot;
  const byDept = new Map();
  for (const q of snap.queues) {
    if (!byDept.has(q.department_id)) byDept.set(q.department_id, []);
    byDept.get(q.department_id).push(q);
  }
  const rows = [];
  const depts = [...byDept.entries()].map(([id, qs]) => ({
    id, qs, waiting: qs.reduce((n, q) => n + q.waiting, 0),
    longest: Math.max(...qs.map((q) => q.longest_wait_s)), estimate: Math.max(...qs.map((q) => q.estimated_wait_s)),
    over: qs.some((q) => q.over_target),
    open: snap.windows.filter((w) => w.state === "open" && w.queue_ids.some((id) => qs.some((q) => q.id === id))).length,
  })).sort((a, b) => (b.over - a.over) || (b.waiting - a.waiting) || (a.id - b.id));
  for (const d of depts) {
    const dept = data.departments.get(d.id);
    rows.push(el("tr", { class: `dept${d.over ? " over" : ""}`, dataset: { departmentId: d.id } },
      el("th", {}, dept ? name(dept) : `#${d.id}`),
      el("td", { class: "n" }, d.waiting), el("td", { class: "n" }, duration(d.longest)),
      el("td", { class: "n" }, minutes(d.estimate)), el("td", { class: "n" }, ""),
      el("td", { class: "n" }, d.open), el("td", {}, sparkline(data.trend?.departments?.[d.id]))));
    for (const q of d.qs) {
      rows.push(el("tr", { class: `queue${q.over_target ? " over" : ""}`, dataset: { queueId: q.id } },
        el("td", { class: "indent" }, `${q.prefix} ${name(q)}`),
        el("td", { class: "n waiting" }, q.waiting), el("td", { class: "n" }, duration(q.longest_wait_s)),
        el("td", { class: "n" }, minutes(q.estimated_wait_s)), el("td", { class: "n" }, minutes(q.waiting_target_s)),
        el("td", { class: "n" }, q.open_windows), el("td", {}, sparkline(data.trend?.queues?.[q.id]))));
    }
  }
  $("#queues tbody").replaceChildren(...rows);
}

function windowCard(w, queues) {
  // Measured on the server's clock: a console's own clock may be off.
  const since = (Date.parse(data.snapshot.at) - Date.parse(w.state_since)) / 1000;
  let detail;
  if (w.current) {
    detail = t(w.current.status === "serving" ? "window.serving" : "window.called",
      { number: w.current.number, time: duration(w.current.for_s) });
  } else if (w.state === "paused") {
    detail = t("window.paused_because", { reason: w.pause_reason || "—", time: duration(since) });
  } else if (w.state === "open") {
    detail = t("window.idle_for", { time: duration(since) });
  } else {
    detail = t("window.closed");
  }
  const actions = [];
  if (w.state !== "open") actions.push(el("button", { type: "button", class: "small", dataset: { action: "open" },
    onclick: () => act(w.number, "open") }, t("manage.open")));
  if (w.state === "open") actions.push(el("button", { type: "button", class: "small", dataset: { action: "pause" },
    onclick: () => askPause(w) }, t("manage.pause")));
  if (w.state !== "closed") actions.push(el("button", { type: "button", class: "small", dataset: { action: "close" },
    onclick: () => act(w.number, "close") }, t("manage.close")));
  actions.push(el("button", { type: "button", class: "small", dataset: { action: "routing" },
    onclick: () => editRouting(w) }, t("manage.routing")));
  if (w.signed_in_number) actions.push(el("button", { type: "button", class: "small", dataset: { action: "release" },
    onclick: () => releaseWindow(w.number) }, t("manage.release")));
  return el("article", { class: `window-card ${w.state}${w.idle_while_waiting ? " idle" : ""}`, dataset: { window: w.number } },
    el("header", {}, el("strong", {}, t("display.window_n", { window: w.number })),
      el("span", { class: `badge ${w.state}` }, t(`window.state.${w.state}`))),
    el("div", { class: "who" }, w.staff_name || ""),
    el("div", { class: "signed-in" }, w.signed_in_number
      ? t("manage.signed_in", { name: w.signed_in_name, number: w.signed_in_number }) : ""),
    el("div", { class: "detail" }, detail),
    el("div", { class: "served" }, w.queue_ids.map((id) => queues.get(id)?.prefix || "?").join(" · ")),
    el("div", { class: "row" }, actions));
}

function drawWindows() {
  const queues = new Map(data.snapshot.queues.map((q) => [q.id, q]));
  $("#windows").replaceChildren(...data.snapshot.windows.map((w) => windowCard(w, queues)));
}

async function releaseWindow(number) {
  try {
    await api("/auth/window/release", { method: "POST", token, body: { window_number: number } });
    await refresh();
  } catch (err) {
    alert(`${t("display.window_n", { window: number })}: ${t(`error.${err.code}`)}`);
  }
}

async function act(number, action, body) {
  try {
    await api(`/windows/${number}/${action}`, { method: "POST", token, body });
    await refresh();
  } catch (err) {
    alert(`${t("display.window_n", { window: number })}: ${t(`error.${err.code}`)}`);
  }
}

function askPause(w) {
  const dialog = $("#pause-dialog");
  const form = $("#pause-form");
  clearErrors(form);
  form.reset();
  $("#pause-title").textContent = `${t("manage.pause")} · ${t("display.window_n", { window: w.number })}`;
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await api(`/windows/${w.number}/pause`, { method: "POST", token, body: { reason: form.reason.value } });
      dialog.close();
      await refresh();
    } catch (err) {
      showErrors(form, err);
    }
  };
  $("#pause-cancel").onclick = () => dialog.close();
  dialog.showModal();
}

function editRouting(w) {
  const dialog = $("#routing-dialog");
  const form = $("#routing-form");
  clearErrors(form);
  const editor = routingEditor(data.snapshot.queues, w.queue_ids);
  $("#routing-editor").replaceChildren(editor.node);
  form.policy.value = w.policy;
  $("#routing-title").textContent = `${t("manage.routing")} · ${t("display.window_n", { window: w.number })}`;
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await api(`/windows/${w.number}/routing`, { method: "PUT", token,
        body: { queue_ids: editor.value(), policy: form.policy.value } });
      dialog.close();
      await refresh();
    } catch (err) {
      showErrors(form, err);
    }
  };
  $("#routing-cancel").onclick = () => dialog.close();
  dialog.showModal();
}

function setupTransfer() {
  const form = $("#transfer-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    $("#transfer-ok").textContent = "";
    const number = form.number.value.trim().toUpperCase();
    let ticket;
    try {
      [ticket] = await api(`/tickets?number=${encodeURIComponent(number)}`, { token });
    } catch (err) {
      err.details = { ...err.details, field: "number" };
      showErrors(form, err);
      return;
    }
    try {
      await api(`/tickets/${ticket.id}/transfer`, { method: "POST", token, body: { queue_id: Number(form.queue_id.value) } });
      $("#transfer-ok").textContent = t("manage.transferred", { number: ticket.number });
      form.reset();
      await refresh();
    } catch (err) {
      if (!err.details?.field && err.code === "unknown_queue") err.details = { ...err.details, field: "queue_id" };
      showErrors(form, err);
    }
  });
}

function fillQueuePicker() {
  const select = $("#transfer-form select[name=queue_id]");
  if (select.options.length) return;
  select.replaceChildren(...data.snapshot.queues.map((q) => el("option", { value: q.id }, `${q.prefix} ${name(q)}`)));
}

async function refresh() {
  data.snapshot = await api("/snapshot", { token });
  fillQueuePicker();
  drawQueues();
  drawWindows();
  drawAlerts();
}

async function liftLockout(lock) {
  try {
    await api("/auth/lockouts/lift", { method: "POST", token, body: { scope: lock.scope, subject: lock.subject } });
  } catch (err) {
    alert(t(`error.${err.code}`));
  }
  await refreshDevices();
}

async function refreshDevices() {
  data.devices = await api("/devices/status", { token });
  data.lockouts = await api("/auth/lockouts", { token });
  if (data.snapshot) drawAlerts();
}

function chart(id, config) {
  if (!window.Chart) return;
  if (charts[id]) {
    charts[id].data = config.data;
    charts[id].update("none");
  } else {
    charts[id] = new window.Chart(document.getElementById(id), config);
  }
}

async function refreshCharts() {
  // Without a date the server answers for the hall's business day (its time zone, not ours).
  const [trend, hourly, waits] = await Promise.all([
    api("/reports/trend?minutes=60&step=5", { token }),
    api("/reports/hourly", { token }),
    api("/reports/waits", { token }),
  ]);
  data.trend = trend;
  if (data.snapshot) drawQueues();
  const top = [...hourly.series].sort((a, b) => b.counts.reduce((x, y) => x + y, 0) - a.counts.reduce((x, y) => x + y, 0));
  const shown = top.slice(0, 9);
  const rest = top.slice(9);
  const datasets = shown.map((s, i) => ({ label: name(s), data: s.counts, backgroundColor: PALETTE[i % PALETTE.length] }));
  if (rest.length) {
    datasets.push({ label: t("manage.chart.others"), backgroundColor: "#999",
      data: hourly.hours.map((_, h) => rest.reduce((n, s) => n + s.counts[h], 0)) });
  }
  chart("chart-hourly", {
    type: "bar",
    data: { labels: hourly.hours.map((h) => `${h}:00`), datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });
  const bounds = waits.bounds_min;
  const labels = bounds.map((b, i) => `${i ? bounds[i - 1] : 0}–${b}`).concat([`${bounds[bounds.length - 1]}+`]);
  chart("chart-waits", {
    type: "bar",
    data: { labels, datasets: [{ label: t("manage.chart.tickets"), data: waits.counts, backgroundColor: "#1f77b4" }] },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { x: { title: { display: true, text: t("manage.chart.minutes") } },
        y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

function every(ms, fn) {
  const run = () => fn().catch((err) => {
    if (err.status === 401) location.reload();
  });
  run();
  return setInterval(run, ms);
}

staffPage(async (session) => {
  token = session.token;
  const departments = await api("/departments", { token });
  data.departments = new Map(departments.map((d) => [d.id, d]));
  setupTransfer();
  every(SNAPSHOT_EVERY_MS, refresh);
  every(DEVICES_EVERY_MS, refreshDevices);
  every(CHARTS_EVERY_MS, refreshCharts);
});
