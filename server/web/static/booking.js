// The public booking page. Reads the public appointments API of this server; all text goes
// into the page through textContent, never as HTML.
"use strict";

const API = "/api/v1/appointments";

const WORDS = {
  zh: {
    title: "预约取号", choose_service: "选择办理事项", search: "搜索事项名称", no_services: "暂无可预约的事项",
    choose_day: "选择日期", choose_slot: "选择时段", no_slots: "这一天没有可预约的时段",
    your_details: "填写预约人信息", name: "姓名", id_number: "身份证号码", phone: "手机号码",
    privacy: "身份证号仅用于核验和每人每天限约一次，页面只显示脱敏信息。", confirm: "确认预约",
    booked: "预约成功", your_code: "预约码", cancel: "取消预约", book_another: "再约一个",
    lookup: "查询或取消预约", code_placeholder: "输入8位预约码", find: "查询",
    footer: "请在预约时段内凭预约码或身份证到取号机取号，享优先叫号。",
    left: "余{n}", full: "已约满", service: "事项", date: "日期", time: "时段", person: "预约人",
    status: "状态", where: "地点", floor: "{f}楼", weekdays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    date_fmt: "{m}月{d}日 {w}", how: "请于 {from}–{until} 到大厅取号机扫描二维码、输入预约码或刷身份证取号。{cancel_until} 前可取消。",
    status_booked: "已预约", status_checked_in: "已取号", status_cancelled: "已取消", status_missed: "已爽约",
    confirm_cancel: "确定取消这个预约吗？", cancelled: "预约已取消。", bad_id: "请输入18位身份证号码",
    bad_phone: "请输入11位手机号码", bad_name: "请输入姓名", bad_code: "请输入预约码", busy: "正在提交…",
    challenge_label: "请计算下面的算式（防止恶意抢号）", bad_answer: "请填写算式的答案",
    limits: {
      "booking:address": "此网络预约过于频繁，请约{minutes}分钟后再试。",
      "booking:person": "该身份证号今天的预约次数已达上限，请明天再试。",
      "booking:phone": "该手机号今天的预约次数已达上限，请明天再试。",
      "booking:lookup": "查询过于频繁，请稍等一分钟再试。",
      "booking:miss": "输错预约码次数过多，查询已暂停，请约{minutes}分钟后再试。"
    },
    challenge: {
      wrong_answer: "算式答案不正确，请回答新的题目。", expired: "题目已过期，请回答新的题目。",
      used: "题目已使用过，请回答新的题目。", forged: "验证无效，请回答新的题目。"
    },
    errors: {
      rate_limited: "操作过于频繁，请约{minutes}分钟后再试。", challenge_required: "请先回答算式。",
      challenge_failed: "验证未通过，请回答新的题目。",
      slot_full: "该时段已约满，请选择其他时段。", already_booked: "您当天已有预约，每人每天限约一次。",
      outside_horizon: "该日期不在可预约范围内。", not_bookable: "该事项或时段不可预约。",
      booking_blocked: "因多次预约未到，暂停预约至 {until}。", invalid_id_number: "身份证号码无效，请核对。",
      invalid_phone: "手机号码无效，请核对。", unknown_appointment: "未找到该预约，请核对预约码。",
      too_late_to_cancel: "已过取消截止时间，无法取消。", appointment_cancelled: "该预约已取消。",
      already_checked_in: "该预约已取号。", unknown_service: "该事项不存在。",
      invalid_request: "请检查填写的内容。", network: "网络异常，请稍后重试。", other: "操作失败，请稍后重试。"
    }
  },
  en: {
    title: "Book an appointment", choose_service: "Choose a service", search: "Search services",
    no_services: "No service takes bookings now", choose_day: "Choose a day", choose_slot: "Choose a time",
    no_slots: "No time can be booked on this day", your_details: "Your details", name: "Name",
    id_number: "Resident ID number", phone: "Mobile phone",
    privacy: "Your ID number is used only to check it and to allow one booking per person per day; only masked data is shown.",
    confirm: "Book", booked: "Booked", your_code: "Booking code", cancel: "Cancel booking",
    book_another: "Book another", lookup: "Find or cancel a booking", code_placeholder: "8-character booking code",
    find: "Find", footer: "Take your number at a kiosk during your time with the booking code or your ID card; you will be called first.",
    left: "{n} left", full: "Full", service: "Service", date: "Day", time: "Time", person: "Name",
    status: "Status", where: "Where", floor: "Floor {f}", weekdays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    date_fmt: "{w} {d}/{m}", how: "Between {from} and {until}, scan the QR code, type the booking code or use your ID card at a kiosk in the hall. You can cancel until {cancel_until}.",
    status_booked: "Booked", status_checked_in: "Checked in", status_cancelled: "Cancelled", status_missed: "Missed",
    confirm_cancel: "Cancel this booking?", cancelled: "The booking is cancelled.", bad_id: "Enter the 18-character ID number",
    bad_phone: "Enter an 11-digit mobile number", bad_name: "Enter your name", bad_code: "Enter the booking code", busy: "Sending…",
    challenge_label: "Answer this sum (it keeps booking scripts out)", bad_answer: "Enter the answer to the sum",
    limits: {
      "booking:address": "Too many bookings from this network; try again in about {minutes} min.",
      "booking:person": "This ID number has made as many bookings as allowed today; try again tomorrow.",
      "booking:phone": "This phone number has made as many bookings as allowed today; try again tomorrow.",
      "booking:lookup": "Too many lookups; wait a minute and try again.",
      "booking:miss": "Too many wrong booking codes; lookups are paused for about {minutes} min."
    },
    challenge: {
      wrong_answer: "The answer is wrong; answer the new sum.", expired: "The sum has expired; answer the new one.",
      used: "This sum was answered already; answer the new one.", forged: "The check failed; answer the new sum."
    },
    errors: {
      rate_limited: "Too many requests; try again in about {minutes} min.", challenge_required: "Answer the sum first.",
      challenge_failed: "The check failed; answer the new sum.",
      slot_full: "This time is fully booked; choose another.", already_booked: "You already have a booking that day (one per person per day).",
      outside_horizon: "This day cannot be booked.", not_bookable: "This service or time cannot be booked.",
      booking_blocked: "Booking is suspended until {until} after missed bookings.", invalid_id_number: "The ID number is not valid.",
      invalid_phone: "The phone number is not valid.", unknown_appointment: "No booking with this code.",
      too_late_to_cancel: "It is too late to cancel this booking.", appointment_cancelled: "This booking is cancelled.",
      already_checked_in: "This booking has been used.", unknown_service: "No such service.",
      invalid_request: "Please check what you entered.", network: "Network problem; try again.", other: "Something went wrong; try again."
    }
  }
};

const state = {
  lang: "zh", services: [], days: [], service: null, day: null, slot: null, booking: null,
  challengeOn: false, challenge: null
};
const $ = (id) => document.getElementById(id);

function t(key, vars) {
  let text = WORDS[state.lang][key];
  if (text === undefined) text = WORDS.zh[key];
  if (typeof text === "string" && vars) {
    for (const [k, v] of Object.entries(vars)) text = text.split("{" + k + "}").join(String(v));
  }
  return text;
}

function errorText(code, details) {
  const words = WORDS[state.lang];
  const vars = Object.assign({}, details || {});
  let text = words.errors[code] || words.errors.other;
  if (code === "rate_limited") {
    text = words.limits[vars.limit] || text;
    vars.minutes = Math.max(1, Math.ceil(Number(vars.retry_after_s || 60) / 60));
  } else if (code === "challenge_failed") {
    text = words.challenge[vars.reason] || text;
  }
  for (const [k, v] of Object.entries(vars)) text = text.split("{" + k + "}").join(String(v));
  return text;
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) node.append(child);
  return node;
}

function showError(text) {
  const box = $("error");
  box.textContent = text;
  box.hidden = !text;
  if (text) box.scrollIntoView({ block: "nearest" });
}

async function call(method, path, body) {
  let answer;
  try {
    answer = await fetch(path, {
      method, headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    });
  } catch (e) {
    throw { code: "network" };
  }
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) throw (data.error || { code: "other" });
  return data;
}

function serviceName(s) { return state.lang === "en" && s.name_en ? s.name_en : s.name_zh; }
function deptName(d) { return d ? (state.lang === "en" && d.name_en ? d.name_en : d.name_zh) : ""; }

function dayLabel(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const w = new Date(y, m - 1, d).getDay();
  return t("date_fmt", { m, d, w: WORDS[state.lang].weekdays[w] });
}

function clock(iso) { return iso.slice(11, 16); }
function dayTime(iso) { return dayLabel(iso.slice(0, 10)) + " " + clock(iso); }

function applyWords() {
  document.documentElement.lang = state.lang === "en" ? "en" : "zh-CN";
  document.querySelectorAll("[data-t]").forEach((n) => { n.textContent = t(n.dataset.t); });
  document.querySelectorAll("[data-t-placeholder]").forEach((n) => { n.placeholder = t(n.dataset.tPlaceholder); });
  $("lang").textContent = state.lang === "en" ? "中文" : "EN";
  $("hall-name").textContent = state.lang === "en" ? document.body.dataset.hallEn : document.body.dataset.hallZh;
  document.title = $("hall-name").textContent + " · " + t("title");
  renderServices();
  if (state.service) renderDays();
  if (state.day) loadSlots();
  if (state.slot) pickedSlot();
  if (state.booking) renderBooking(state.booking);
}

function renderServices() {
  const list = $("services");
  const term = $("search").value.trim().toLowerCase();
  list.replaceChildren();
  for (const s of state.services) {
    const hay = (s.name_zh + " " + s.name_en + " " + deptName(s.department)).toLowerCase();
    if (term && !hay.includes(term)) continue;
    const button = el("button", { type: "button" }, serviceName(s), el("small", {}, deptName(s.department)));
    button.setAttribute("aria-pressed", String(state.service === s));
    button.dataset.serviceId = s.id;
    button.addEventListener("click", () => pickService(s));
    list.append(el("li", {}, button));
  }
  $("no-services").hidden = state.services.length > 0;
}

function pickService(s) {
  state.service = s; state.day = null; state.slot = null;
  showError("");
  renderServices();
  $("picked-service").textContent = serviceName(s) + (s.department ? " · " + deptName(s.department) : "");
  renderDays();
  $("step-day").hidden = false; $("step-slot").hidden = true; $("step-form").hidden = true;
  $("step-day").scrollIntoView({ behavior: "smooth", block: "start" });
}

function renderDays() {
  const box = $("days");
  box.replaceChildren();
  for (const day of state.days) {
    const button = el("button", { type: "button" }, dayLabel(day));
    button.dataset.day = day;
    button.setAttribute("aria-pressed", String(state.day === day));
    button.addEventListener("click", () => { state.day = day; state.slot = null; renderDays(); loadSlots(); });
    box.append(button);
  }
}

async function loadSlots() {
  const box = $("slots");
  $("step-slot").hidden = false; $("step-form").hidden = true;
  let slots = [];
  try {
    slots = await call("GET", `${API}/slots?service_id=${encodeURIComponent(state.service.id)}&day=${encodeURIComponent(state.day)}`);
  } catch (e) { showError(errorText(e.code, e.details)); return; }
  box.replaceChildren();
  for (const slot of slots) {
    const free = slot.available > 0;
    const button = el("button", { type: "button", disabled: !free },
      `${slot.slot_start}–${slot.slot_end}`, el("small", {}, free ? t("left", { n: slot.available }) : t("full")));
    button.dataset.slot = slot.slot_start;
    button.setAttribute("aria-pressed", String(!!state.slot && state.slot.slot_start === slot.slot_start));
    button.addEventListener("click", () => pickSlot(slot));
    box.append(button);
  }
  $("no-slots").hidden = slots.length > 0;
}

function pickedSlot() {
  $("picked-slot").textContent = `${serviceName(state.service)} · ${dayLabel(state.day)} ${state.slot.slot_start}–${state.slot.slot_end}`;
}

function pickSlot(slot) {
  state.slot = slot;
  showError("");
  document.querySelectorAll("#slots button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.slot === slot.slot_start)));
  pickedSlot();
  $("step-form").hidden = false;
  $("name").focus();
  if (state.challengeOn && !challengeFresh()) loadChallenge();
}

// The hall's verification question: a small sum with a signed token, good once for a few
// minutes. A new one is asked whenever the last was used or has lapsed.
async function loadChallenge() {
  let found;
  try {
    found = await call("GET", `${API}/challenge`);
  } catch (e) { showError(errorText(e.code, e.details)); return; }
  state.challengeOn = !!found.required;
  $("challenge").hidden = !state.challengeOn;
  if (!state.challengeOn) { state.challenge = null; return; }
  // Kept by the page's own clock: a phone's clock may differ from the hall's.
  state.challenge = { token: found.token, until: Date.now() + (found.expires_in_s - 5) * 1000 };
  $("challenge-question").textContent = found.question;
  $("challenge-answer").value = "";
  $("challenge").dataset.asked = String(Number($("challenge").dataset.asked || 0) + 1);
}

function challengeFresh() { return !!state.challenge && Date.now() < state.challenge.until; }

async function submit(event) {
  event.preventDefault();
  showError("");
  const name = $("name").value.trim();
  const id = $("id_number").value.trim().toUpperCase();
  const phone = $("phone").value.replace(/\D/g, "");
  if (!name) return showError(t("bad_name"));
  if (!/^\d{17}[\dX]$/.test(id)) return showError(t("bad_id"));
  if (!/^1\d{10}$/.test(phone)) return showError(t("bad_phone"));
  const body = { service_id: state.service.id, day: state.day, slot_start: state.slot.slot_start, id_number: id, name, phone };
  if (state.challengeOn) {
    if (!challengeFresh()) {
      await loadChallenge();
      return showError(errorText("challenge_failed", { reason: "expired" }));
    }
    const answer = $("challenge-answer").value.trim();
    if (!answer) return showError(t("bad_answer"));
    body.challenge = { token: state.challenge.token, answer };
  }
  const button = $("submit");
  button.disabled = true; button.textContent = t("busy");
  try {
    const booking = await call("POST", API, body);
    $("form").reset();
    state.challenge = null;
    showBooking(booking);
  } catch (e) {
    showError(errorText(e.code, e.details));
    if (e.code === "slot_full") loadSlots();
    // A tried token is used up, whatever the refusal: ask a new question.
    if (state.challengeOn || e.code === "challenge_required") { state.challenge = null; await loadChallenge(); }
  } finally {
    button.disabled = false; button.textContent = t("confirm");
  }
}

function showBooking(booking) {
  state.booking = booking;
  for (const id of ["step-service", "step-day", "step-slot", "step-form"]) $(id).hidden = true;
  $("done").hidden = false;
  renderBooking(booking);
  $("done").scrollIntoView({ behavior: "smooth", block: "start" });
}

function renderBooking(b) {
  $("code").textContent = b.code;
  $("qr").src = b.qr_url;
  $("qr").hidden = b.status !== "booked";
  const rows = [
    [t("service"), serviceName(b.service)],
    [t("date"), dayLabel(b.day)],
    [t("time"), `${b.slot_start}–${b.slot_end}`],
    [t("person"), `${b.name_masked} ${b.id_masked}`],
    [t("status"), t("status_" + b.status) || b.status]
  ];
  if (b.service.department) {
    const d = b.service.department;
    rows.splice(1, 0, [t("where"), deptName(d) + (d.floor ? " · " + t("floor", { f: d.floor }) : "") + (d.zone ? " " + d.zone : "")]);
  }
  const dl = $("details");
  dl.replaceChildren();
  for (const [k, v] of rows) dl.append(el("dt", {}, k), el("dd", {}, v));
  $("details").querySelector("dd:last-of-type").dataset.status = b.status;
  $("how").textContent = b.status === "booked"
    ? t("how", { from: clock(b.check_in_from), until: clock(b.check_in_until), cancel_until: dayTime(b.cancel_until) })
    : (b.status === "cancelled" ? t("cancelled") : "");
  $("how").hidden = !$("how").textContent;
  $("cancel").hidden = b.status !== "booked";
}

async function cancelBooking() {
  if (!state.booking || !window.confirm(t("confirm_cancel"))) return;
  showError("");
  try {
    renderBooking(state.booking = await call("POST", `${API}/${encodeURIComponent(state.booking.code)}/cancel`));
  } catch (e) { showError(errorText(e.code, e.details)); }
}

async function lookup(event) {
  event.preventDefault();
  showError("");
  const code = $("lookup-code").value.trim().toUpperCase();
  if (!code) return showError(t("bad_code"));
  try {
    showBooking(await call("GET", `${API}/${encodeURIComponent(code)}`));
  } catch (e) { showError(errorText(e.code, e.details)); }
}

function again() {
  state.booking = null; state.slot = null; state.day = null; state.service = null;
  $("done").hidden = true; $("step-service").hidden = false;
  renderServices();
  $("step-service").scrollIntoView({ behavior: "smooth", block: "start" });
}

async function start() {
  const asked = new URLSearchParams(location.search).get("lang");
  state.lang = asked === "en" || asked === "zh" ? asked : (localStorage.getItem("hallq.lang") === "en" ? "en" : "zh");
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "en" ? "zh" : "en";
    localStorage.setItem("hallq.lang", state.lang);
    applyWords();
  });
  $("search").addEventListener("input", renderServices);
  $("form").addEventListener("submit", submit);
  $("lookup-form").addEventListener("submit", lookup);
  $("cancel").addEventListener("click", cancelBooking);
  $("again").addEventListener("click", again);
  try {
    const found = await call("GET", `${API}/bookable`);
    state.services = found.services; state.days = found.days;
  } catch (e) { showError(errorText(e.code, e.details)); }
  await loadChallenge();
  applyWords();
  document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", start);
