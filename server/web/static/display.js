// Call display: the latest call large and flashing, recent calls, waiting counts, the notice,
// and every call announced aloud, one after the other. Keeps the last event id and, when
// the connection drops, reconnects with since=<id> so no call is missed.
import { $, api, el, t } from "./common.js";

const TOKEN_KEY = "hallq.display.token";
const HEARTBEAT_TIMEOUT_MS = 45000;   // the server sends a heartbeat every 15 s
const STATUS_EVERY_MS = 60000;
const ANNOUNCE_WITHIN_MS = 120000;    // a call replayed after a long outage is shown, not spoken
const AUDIO_QUEUE_MAX = 6;
const WAITING_MAX = 12;

const params = new URLSearchParams(location.search);
let token = params.get("token");
if (token) {
  // Keep it for the next start (a TV's bookmark), and take it out of the address bar.
  localStorage.setItem(TOKEN_KEY, token);
  params.delete("token");
  history.replaceState(null, "", location.pathname + (params.size ? `?${params}` : ""));
} else {
  token = localStorage.getItem(TOKEN_KEY);
}

const state = {
  config: {}, windowsFilter: null, zone: null, languages: ["zh", "en"], voice: true, recentMax: 8,
  queues: new Map(), servedQueues: null, recent: [], lastId: null, offsetMs: 0,
  socket: null, retryMs: 1000, watchdog: null, audio: [], playing: false, announced: [],
};
window.hallqDisplay = state;   // for the hall's IT person (and tests) to look at

function problem(text) {
  const box = $("#problem");
  box.textContent = text || "";
  box.hidden = !text;
}

function setConn(kind) {
  const dot = $("#conn");
  dot.dataset.state = kind;
  dot.title = t(`display.${kind}`);
}

function applyConfig(me) {
  const c = { ...(me.config || {}) };
  if (params.get("zone")) c.zone = params.get("zone");
  if (params.get("windows")) c.windows = params.get("windows").split(",").map(Number).filter((n) => n > 0);
  if (params.get("layout")) c.layout = params.get("layout");
  if (params.get("lang")) c.languages = params.get("lang").split(",").filter((x) => x === "zh" || x === "en");
  if (params.get("voice") === "off") c.voice = false;
  if (params.get("recent")) c.recent = Number(params.get("recent"));
  state.config = c;
  state.windowsFilter = c.windows && c.windows.length ? new Set(c.windows) : null;
  state.zone = c.zone || null;
  state.languages = c.languages && c.languages.length ? c.languages : ["zh", "en"];
  state.voice = c.voice !== false;
  state.recentMax = Math.min(Math.max(Number(c.recent) || 6, 1), 20);
  layout(c.layout || "auto");
  const hall = me.hall || {};
  state.timezone = hall.timezone || null;
  const notice = [hall.notice_zh, hall.notice_en].filter(Boolean).join("　　");
  $("#notice").textContent = notice;
  $("#notice").style.animationDuration = `${Math.max(20, notice.length * 0.35)}s`;
}

function layout(kind) {
  const portrait = kind === "portrait" || (kind === "auto" && matchMedia("(orientation: portrait)").matches);
  const root = $("#display");
  root.classList.toggle("layout-portrait", portrait);
  root.classList.toggle("layout-landscape", !portrait);
}

function shows(window) {
  if (!window) return false;
  if (state.windowsFilter) return state.windowsFilter.has(window.number);
  if (state.zone) return window.zone === state.zone;
  return true;
}

async function loadSnapshot() {
  const q = new URLSearchParams();
  if (state.windowsFilter) q.set("windows", [...state.windowsFilter].join(","));
  else if (state.zone) q.set("zone", state.zone);
  const snap = await api(`/snapshot?${q}`, { token });
  state.offsetMs = Date.parse(snap.at) - Date.now();
  state.lastId = snap.event_id;
  const filtered = state.windowsFilter || state.zone;
  state.servedQueues = filtered ? new Set(snap.windows.flatMap((w) => w.queue_ids)) : null;
  state.queues = new Map(snap.queues.map((q) => [q.id, q]));
  state.recent = snap.windows
    .filter((w) => w.current && ["called", "serving"].includes(w.current.status))
    .sort((a, b) => String(b.current.since).localeCompare(String(a.current.since)))
    .slice(0, state.recentMax)
    .map((w) => ({ number: w.current.number, window: w }));
  drawRecent();
  drawWaiting();
  if (state.recent.length) drawLatest(state.recent[0], false);
}

function windowWords(w) {
  return { zh: t("display.go_to_window_zh", { window: w.number }), en: t("display.go_to_window_en", { window: w.number }) };
}

function drawLatest(call, flash) {
  $("#latest-number").textContent = call.number;
  const words = windowWords(call.window);
  $("#latest-window-zh").textContent = words.zh;
  $("#latest-window-en").textContent = words.en;
  const box = $("#latest");
  if (flash) {
    box.classList.remove("flash");
    void box.offsetWidth;   // restart the animation for a call that follows another
    box.classList.add("flash");
  }
}

function drawRecent() {
  $("#recent").replaceChildren(...state.recent.map((c, i) => el("tr", { class: i === 0 ? "first" : "" },
    el("td", { class: "num" }, c.number),
    el("td", { class: "win" }, t("display.window_n", { window: c.window.number })))));
}

function drawWaiting() {
  // Only queues someone waits in, busiest first: few enough to read across the hall.
  const queues = [...state.queues.values()]
    .filter((q) => q.waiting > 0 && (!state.servedQueues || state.servedQueues.has(q.id)))
    .sort((a, b) => (b.waiting - a.waiting) || a.prefix.localeCompare(b.prefix))
    .slice(0, WAITING_MAX);
  $("#waiting").replaceChildren(...queues.map((q) => el("li", { dataset: { queueId: q.id } },
    el("span", { class: "q-prefix" }, q.prefix),
    el("span", { class: "q-name" }, q.name_zh),
    el("span", { class: "q-count" }, String(q.waiting)))));
}

function onCall(message) {
  const d = message.data;
  const call = { number: d.ticket.number, window: d.window };
  state.recent = [call, ...state.recent.filter((c) => !(c.number === call.number && c.window.number === call.window.number))]
    .slice(0, state.recentMax);
  drawRecent();
  drawLatest(call, true);
  const age = Date.now() + state.offsetMs - Date.parse(message.at);
  if (!(age > ANNOUNCE_WITHIN_MS)) announce(call.number, call.window.number);
}

function onMessage(message) {
  clearTimeout(state.watchdog);
  state.watchdog = setTimeout(() => state.socket?.close(), HEARTBEAT_TIMEOUT_MS);
  if (message.type === "hello") {
    setConn("live");
    state.retryMs = 1000;
    if (message.gap) {
      // The server cannot go on from our id; when its log never reached it (a reset
      // database) its ids restart lower, so follow them from the id it names.
      state.lastId = Math.min(state.lastId ?? message.last_id, message.last_id);
      loadSnapshot().catch(() => {});
    }
    return;
  }
  if (message.id === undefined) return;   // heartbeat, pong
  state.lastId = Math.max(state.lastId || 0, message.id);
  const d = message.data || {};
  for (const q of [d.queue, d.from_queue]) {
    if (q && state.queues.has(q.id)) state.queues.get(q.id).waiting = q.waiting;
  }
  if (d.queue) drawWaiting();
  if ((message.type === "ticket.called" || message.type === "ticket.recalled") && shows(d.window)) onCall(message);
  if (message.type === "catalog.changed") refresh().catch(() => {});
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const q = new URLSearchParams({ token, types: "ticket.,catalog.changed" });
  if (state.lastId !== null) q.set("since", String(state.lastId));
  const socket = new WebSocket(`${scheme}://${location.host}/api/v1/events?${q}`);
  state.socket = socket;
  setConn("connecting");
  socket.onmessage = (ev) => {
    try { onMessage(JSON.parse(ev.data)); } catch (exc) { console.error(exc); }
  };
  socket.onclose = (ev) => {
    clearTimeout(state.watchdog);
    if (state.socket !== socket) return;
    setConn("offline");
    const refused = ev.code === 4401 || ev.code === 4403;
    if (refused) problem(t("display.token_refused"));
    const wait = refused ? 60000 : state.retryMs;
    state.retryMs = Math.min(state.retryMs * 2, 15000);
    setTimeout(connect, wait);
  };
}

// -- announcements: fetched with the token in a header, played strictly one at a time.
function announce(number, window) {
  if (!state.voice) return;
  state.audio.push({ number, window });
  if (state.audio.length > AUDIO_QUEUE_MAX) state.audio.splice(0, state.audio.length - AUDIO_QUEUE_MAX);
  pump();
}

function play(url) {
  return new Promise((resolve, reject) => {
    const audio = new Audio(url);
    const done = setTimeout(resolve, 30000);   // never let one clip block the queue
    audio.onended = () => { clearTimeout(done); resolve(); };
    audio.onerror = () => { clearTimeout(done); resolve(); };
    audio.play().catch((err) => { clearTimeout(done); reject(err); });
  });
}

async function pump() {
  if (state.playing || !state.audio.length) return;
  state.playing = true;
  const item = state.audio[0];
  try {
    const q = new URLSearchParams({ number: item.number, window: String(item.window), lang: state.languages.join(",") });
    const res = await api(`/announcements?${q}`, { token, raw: true });
    const url = URL.createObjectURL(await res.blob());
    try {
      await play(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    state.announced.push(`${item.number}@${item.window}`);
    state.audio.shift();
  } catch (err) {
    if (err && err.name === "NotAllowedError") {
      // The browser wants a touch before it plays sound: keep the call, ask for one.
      $("#sound").hidden = false;
      state.playing = false;
      return;
    }
    state.audio.shift();
  }
  state.playing = false;
  pump();
}

$("#sound").addEventListener("click", () => {
  $("#sound").hidden = true;
  pump();
});

async function refresh() {
  const me = await api("/displays/me", { token });
  applyConfig(me);
  await loadSnapshot();
}

function tick() {
  const now = new Date(Date.now() + state.offsetMs);
  const zone = state.timezone ? { timeZone: state.timezone } : {};
  $("#clock").textContent = now.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", ...zone });
}

async function reportAlive() {
  try {
    await api("/devices/me/status", { method: "POST", token, body: { printer: "none", online: true, app_version: "display" } });
  } catch { /* the next round tries again */ }
}

async function main() {
  tick();
  setInterval(tick, 1000);
  matchMedia("(orientation: portrait)").addEventListener("change", () => layout(state.config.layout || "auto"));
  if (!token) {
    problem(t("display.no_token"));
    setConn("offline");
    return;
  }
  for (let wait = 1000; ; wait = Math.min(wait * 2, 15000)) {
    try {
      await refresh();
      problem("");
      break;
    } catch (err) {
      problem(err.status === 401 || err.status === 403 ? t("display.token_refused") : t("display.offline"));
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  connect();
  reportAlive();
  setInterval(reportAlive, STATUS_EVERY_MS);
}

main();
