// A visitor's ticket, from its QR code: where it stands, live (polled), and a way to give it up.
// Needs no sign-in and reads nothing but this one ticket.
import { $, LANG, api, minutes, name, setupLangToggle, t } from "./common.js";

const LOCALE = LANG === "en" ? "en-GB" : "zh-CN";
const POLL_MS = 5000;
const FINAL = new Set(["done", "cancelled", "expired"]);
const token = document.body.dataset.token;
let timer = null;
let lastStatus = null;

function show(s) {
  $("#ticket").hidden = false;
  $("#missing").hidden = true;
  $("#number").textContent = s.number;
  $("#queue").textContent = name({ name_zh: s.queue_name_zh, name_en: s.queue_name_en });
  const called = s.window && (s.status === "called" || s.status === "serving");
  const state = $("#state");
  state.textContent = called
    ? t(s.status === "serving" ? "status.serving_at" : "status.called_to", { window: s.window.number })
    : t(`status.state.${s.status}`);
  state.className = `s-state s-${s.status}`;
  const waiting = s.status === "waiting";
  $("#ahead-row").hidden = !waiting;
  $("#wait-row").hidden = !waiting;
  $("#ahead").textContent = String(s.ahead);
  $("#wait").textContent = t("status.minutes", { n: minutes(s.estimated_wait_s) });
  $("#issued").textContent = new Date(s.issued_at).toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit" });
  $("#cancel-box").hidden = !(waiting || s.status === "held");
  $("#updated").textContent = t("status.updated", { time: new Date().toLocaleTimeString(LOCALE) });
  if (called && lastStatus !== s.status && navigator.vibrate) navigator.vibrate([300, 200, 300]);
  lastStatus = s.status;
  if (FINAL.has(s.status)) clearInterval(timer);
}

async function poll() {
  try {
    show(await api(`/tickets/status/${encodeURIComponent(token)}`));
  } catch (err) {
    if (err.status === 404) {
      $("#ticket").hidden = true;
      $("#missing").hidden = false;
      clearInterval(timer);
    }
  }
}

$("#cancel").addEventListener("click", () => { $("#cancel-confirm").hidden = false; });
$("#cancel-no").addEventListener("click", () => { $("#cancel-confirm").hidden = true; });
$("#cancel-yes").addEventListener("click", async () => {
  $("#cancel-error").textContent = "";
  try {
    show(await api(`/tickets/status/${encodeURIComponent(token)}/cancel`, { method: "POST" }));
    $("#cancel-confirm").hidden = true;
  } catch (err) {
    $("#cancel-error").textContent = t(`error.${err.code}`);
  }
});

setupLangToggle();
if (!token) {
  $("#missing").hidden = false;
} else {
  poll();
  timer = setInterval(poll, POLL_MS);
}
