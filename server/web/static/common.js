// Shared by every page: words, API calls, DOM building (text only, never HTML), staff sign-in.

const WORDS = JSON.parse(document.getElementById("hallq-i18n").textContent);
export const LANG = document.body.dataset.lang || "zh";

export function t(key, vars) {
  let text = WORDS[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || error.code || String(status));
    this.status = status;
    this.code = error.code || "http_error";
    this.details = error.details || {};
  }
}

export async function api(path, { method = "GET", body, token, raw = false } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (exc) {
    throw new ApiError(0, { code: "offline", message: String(exc) });
  }
  if (!res.ok) {
    let data = {};
    try { data = await res.json(); } catch { /* not JSON */ }
    throw new ApiError(res.status, data.error || { code: "http_error", message: res.statusText });
  }
  if (raw) return res;
  if (res.status === 204) return null;
  return res.json();
}

// Build elements from text: user data goes in as text nodes, so a name like
// "<img src=x onerror=...>" shows as those characters and never becomes markup.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = String(v);
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function name(obj) {
  if (!obj) return "";
  return LANG === "en" ? (obj.name_en || obj.name_zh || "") : (obj.name_zh || obj.name_en || "");
}

export function minutes(seconds) {
  return seconds === null || seconds === undefined ? "—" : String(Math.round(seconds / 60));
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}

export function localDate(d = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function errorText(err) {
  const key = `error.${err.code}`;
  const known = t(key);
  return known === key ? (err.message || err.code) : known;
}

// Show a refusal beside the field it names (details.field, or the request's problems).
export function showErrors(form, err) {
  clearErrors(form);
  const problems = err.details?.problems
    ? err.details.problems.map((p) => ({ field: p.field, text: `${t("error.invalid_value")} (${p.problem})` }))
    : [{ field: err.details?.field || "_form", text: errorText(err) }];
  for (const p of problems) {
    const leaf = String(p.field || "_form").split(".").pop();
    const slot = form.querySelector(`[data-error-for="${CSS.escape(leaf)}"]`)
      || form.querySelector('[data-error-for="_form"]');
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent}; ${p.text}` : p.text;
      slot.closest("label")?.classList.add("invalid");
    }
    form.querySelector(`[name="${CSS.escape(leaf)}"]`)?.setAttribute("aria-invalid", "true");
  }
}

export function clearErrors(form) {
  for (const slot of $$("[data-error-for]", form)) slot.textContent = "";
  for (const f of $$("[aria-invalid]", form)) f.removeAttribute("aria-invalid");
}

export function setupLangToggle() {
  const button = $("#lang-toggle");
  if (!button) return;
  button.addEventListener("click", () => {
    document.cookie = `hallq_lang=${button.dataset.langTo}; path=/; max-age=31536000; SameSite=Lax`;
    const url = new URL(location.href);
    url.searchParams.delete("lang");
    location.replace(url.toString());
  });
}

// -- staff pages: sign in once per browser tab (sessionStorage), never with a token in a URL.
const STAFF_KEY = "hallq.staff";

export function staffPage(onReady) {
  setupLangToggle();
  const roles = (document.body.dataset.roles || "").split(" ").filter(Boolean);
  const form = $("#signin-form");

  async function start(token) {
    let me;
    try {
      me = await api("/auth/me", { token });
    } catch (err) {
      if (err.status === 401) sessionStorage.removeItem(STAFF_KEY);
      $("#signin").hidden = false;
      if (err.status !== 401) showErrors(form, err);
      return;
    }
    if (me.kind !== "staff") {
      sessionStorage.removeItem(STAFF_KEY);
      $("#signin").hidden = false;
      return;
    }
    $("#signin").hidden = true;
    $("#who").textContent = `${me.name} · ${t(`role.${me.role}`)}`;
    $("#signout").hidden = false;
    $("#nav").hidden = false;
    for (const link of $$("#nav a")) link.hidden = !link.dataset.roles.split(" ").includes(me.role);
    if (!roles.includes(me.role)) {
      $("#refused").hidden = false;
      return;
    }
    $("#app").hidden = false;
    onReady({ token, me });
  }

  async function signOut() {
    const token = sessionStorage.getItem(STAFF_KEY);
    sessionStorage.removeItem(STAFF_KEY);
    if (token) await api("/auth/logout", { method: "POST", token }).catch(() => {});
    location.reload();
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const data = new FormData(form);
    try {
      const answer = await api("/auth/login", {
        method: "POST", body: { username: data.get("username"), password: data.get("password") },
      });
      sessionStorage.setItem(STAFF_KEY, answer.token);
      form.reset();
      await start(answer.token);
    } catch (err) {
      showErrors(form, err);
    }
  });
  $("#signout").addEventListener("click", signOut);
  $("#refused-signout").addEventListener("click", signOut);

  const token = sessionStorage.getItem(STAFF_KEY);
  if (token) start(token);
  else $("#signin").hidden = false;
}

// An ordered list of queues a window serves: add, move up or down, remove.
export function routingEditor(queues, selected) {
  let ids = [...selected];
  const list = el("ol", { class: "routing" });
  const picker = el("select", { name: "add-queue" });
  const root = el("div", { class: "routing-editor" }, list,
    el("div", { class: "row" }, picker,
      el("button", { type: "button", onclick: () => { if (picker.value) { ids.push(Number(picker.value)); draw(); } } },
        t("routing.add"))));
  const byId = new Map(queues.map((q) => [q.id, q]));
  const label = (q) => `${q.prefix} ${name(q)}`;

  function draw() {
    list.replaceChildren(...ids.map((id, i) => el("li", { dataset: { queueId: id } },
      el("span", { class: "grow" }, label(byId.get(id) || { prefix: "?", name_zh: String(id) })),
      el("button", { type: "button", class: "small", title: t("routing.up"), disabled: i === 0,
        onclick: () => { [ids[i - 1], ids[i]] = [ids[i], ids[i - 1]]; draw(); } }, "↑"),
      el("button", { type: "button", class: "small", title: t("routing.down"), disabled: i === ids.length - 1,
        onclick: () => { [ids[i + 1], ids[i]] = [ids[i], ids[i + 1]]; draw(); } }, "↓"),
      el("button", { type: "button", class: "small", title: t("routing.remove"),
        onclick: () => { ids.splice(i, 1); draw(); } }, "×"))));
    picker.replaceChildren(el("option", { value: "" }, t("routing.pick")),
      ...queues.filter((q) => !ids.includes(q.id)).map((q) => el("option", { value: q.id }, label(q))));
  }
  draw();
  return { node: root, value: () => [...ids] };
}

// Save a Blob as a file (downloads made with a bearer token go through fetch).
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
