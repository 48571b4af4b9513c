// Administration: the hall (notice, hours, rules), departments, queues, service items,
// windows and their routing, staff and devices. Every form is checked by the server; its
// refusal is shown beside the field it names.
import {
  $, $$, api, clearErrors, el, name, routingEditor, showErrors, staffPage, t,
} from "./common.js";

let token = null;
let catalog = null;
let current = "hall";
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const ENTITIES = {
  departments: {
    path: "/departments",
    columns: ["code", "name_zh", "name_en", "floor", "zone", "active"],
    fields: () => [
      { name: "code", required: true }, { name: "name_zh", required: true }, { name: "name_en" },
      { name: "category_id", type: "select", nullable: true,
        options: catalog.categories.map((c) => [c.id, name(c)]) },
      { name: "floor", type: "number" }, { name: "zone" }, { name: "phone" },
      { name: "active", type: "checkbox", initial: true },
    ],
  },
  queues: {
    path: "/queues",
    columns: ["prefix", "code", "name_zh", "department_id", "waiting_target_s", "daily_quota", "active"],
    fields: () => [
      { name: "code", required: true }, { name: "prefix", required: true },
      { name: "department_id", type: "select", options: catalog.departments.map((d) => [d.id, name(d)]) },
      { name: "name_zh", required: true }, { name: "name_en" },
      { name: "daily_quota", type: "number", nullable: true },
      { name: "waiting_target_s", type: "number", scale: 60, initial: 1800 },
      { name: "default_service_s", type: "number", scale: 60, initial: 300 },
      { name: "active", type: "checkbox", initial: true },
    ],
  },
  services: {
    path: "/services",
    filter: true,
    columns: ["code", "name_zh", "department_id", "queue_id", "kind", "active"],
    fields: () => [
      { name: "code", required: true }, { name: "name_zh", required: true }, { name: "name_en" },
      { name: "department_id", type: "select", options: catalog.departments.map((d) => [d.id, name(d)]) },
      { name: "queue_id", type: "select", options: catalog.queues.map((q) => [q.id, `${q.prefix} ${name(q)}`]) },
      { name: "kind", type: "select", text: true,
        options: ["public_service", "licence", "confirmation", "payment", "other"].map((k) => [k, t(`service.kind.${k}`)]) },
      { name: "active", type: "checkbox", initial: true },
    ],
  },
  windows: {
    path: "/windows",
    key: "number",
    columns: ["number", "name_zh", "floor", "zone", "policy", "queues", "state"],
    fields: (item) => [
      ...(item ? [] : [{ name: "number", type: "number", required: true }]),
      { name: "name_zh" }, { name: "name_en" }, { name: "floor", type: "number" }, { name: "zone" },
      { name: "policy", type: "select", text: true,
        options: ["strict", "weighted", "longest_wait", "sla"].map((p) => [p, t(`policy.${p}`)]) },
      { name: "comprehensive", type: "checkbox" }, { name: "green_channel", type: "checkbox" },
    ],
  },
};

function label(field) {
  return t(`field.${field.name}`) + (field.scale === 60 ? ` (${t("common.minutes")})` : "");
}

function input(field, value) {
  const common = { name: field.name, id: `f-${field.name}` };
  if (field.type === "checkbox") return el("input", { ...common, type: "checkbox", checked: Boolean(value) });
  if (field.type === "select") {
    const options = [...(field.nullable ? [["", "—"]] : []), ...field.options];
    const select = el("select", common, options.map(([v, text]) => el("option", { value: v }, text)));
    if (value !== null && value !== undefined) select.value = String(value);
    else if (field.nullable) select.value = "";
    return select;
  }
  if (field.type === "textarea") return el("textarea", { ...common, rows: field.rows || 3 }, value ?? "");
  const shown = value === null || value === undefined ? "" : field.scale ? value / field.scale : value;
  return el("input", { ...common, type: field.type === "number" ? "number" : "text", value: shown });
}

function read(form, field) {
  const node = form.elements[field.name];
  if (field.type === "checkbox") return node.checked;
  const raw = node.value.trim();
  if (field.type === "number" || (field.type === "select" && !field.text)) {
    if (raw === "") return field.nullable ? null : undefined;
    const n = Number(raw);
    return field.scale ? Math.round(n * field.scale) : n;
  }
  return raw;
}

function fieldRow(field, value) {
  return el("label", { class: field.type === "checkbox" ? "check" : "" }, label(field), input(field, value),
    el("span", { class: "error", dataset: { errorFor: field.name } }));
}

function cellValue(entity, item, column) {
  if (column === "department_id") return name(catalog.departments.find((d) => d.id === item.department_id));
  if (column === "queue_id") {
    const q = catalog.queues.find((x) => x.id === item.queue_id);
    return q ? `${q.prefix} ${name(q)}` : "";
  }
  if (column === "queues") {
    return item.queues.map((r) => catalog.queues.find((q) => q.id === r.queue_id)?.prefix || "?").join(" · ");
  }
  if (column === "waiting_target_s") return String(Math.round(item[column] / 60));
  if (column === "active") return item.active ? "✓" : "✗";
  if (column === "policy") return t(`policy.${item.policy}`);
  if (column === "state") return t(`window.state.${item.state}`);
  return item[column] ?? "";
}

function entityPanel(entity) {
  const spec = ENTITIES[entity];
  const key = spec.key || "id";
  const items = catalog[entity];
  const formBox = el("div", { class: "editor" });
  const tbody = el("tbody");
  const drawRows = (filter) => {
    const f = (filter || "").trim().toLowerCase();
    tbody.replaceChildren(...items
      .filter((item) => !f || [item.code, item.name_zh, item.name_en].some((v) => String(v || "").toLowerCase().includes(f)))
      .slice(0, 500)
      .map((item) => el("tr", { dataset: { key: item[key] } },
        spec.columns.map((c) => el("td", {}, cellValue(entity, item, c))),
        el("td", {}, el("button", { type: "button", class: "small", dataset: { edit: item[key] },
          onclick: () => openForm(entity, item, formBox) }, t("common.edit"))))));
  };
  drawRows("");
  return el("div", { class: "entity" },
    el("div", { class: "row" },
      el("button", { type: "button", class: "primary", id: `new-${entity}`, onclick: () => openForm(entity, null, formBox) },
        t(`admin.new.${entity}`)),
      spec.filter ? el("input", { type: "search", placeholder: t("common.filter"), oninput: (ev) => drawRows(ev.target.value) }) : null),
    formBox,
    el("div", { class: "scroll" }, el("table", { class: "data", id: `table-${entity}` },
      el("thead", {}, el("tr", {}, spec.columns.map((c) => el("th", {}, t(`field.${c}`))), el("th"))), tbody)));
}

function openForm(entity, item, box) {
  const spec = ENTITIES[entity];
  const fields = spec.fields(item);
  const rows = fields.map((f) => fieldRow(f, item ? item[f.name] : f.initial));
  let editor = null;
  if (entity === "windows") {
    editor = routingEditor(catalog.queues, item ? item.queues.map((r) => r.queue_id) : []);
    rows.push(el("div", { class: "field" }, el("span", {}, t("field.queues")), editor.node,
      el("span", { class: "error", dataset: { errorFor: "queue_ids" } })));
  }
  const form = el("form", { class: "grid-form", id: `form-${entity}`, novalidate: true },
    el("h3", {}, item ? `${t("common.edit")} · ${item.name_zh || item.number}` : t(`admin.new.${entity}`)),
    rows,
    el("span", { class: "error", dataset: { errorFor: "_form" } }),
    el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, t("common.save")),
      el("button", { type: "button", onclick: () => box.replaceChildren() }, t("common.cancel"))));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = {};
    for (const f of fields) {
      const value = read(form, f);
      if (value !== undefined) body[f.name] = value;
    }
    try {
      if (entity === "windows") await saveWindow(item, body, editor.value());
      else if (item) await api(`${spec.path}/${item.id}`, { method: "PATCH", token, body });
      else await api(spec.path, { method: "POST", token, body });
      box.replaceChildren();
      await reload();
    } catch (err) {
      showErrors(form, err);
    }
  });
  box.replaceChildren(form);
  form.querySelector("input, select")?.focus();
}

async function saveWindow(item, body, queueIds) {
  if (!item) {
    await api("/windows", { method: "POST", token, body: { ...body, queue_ids: queueIds } });
    return;
  }
  await api(`/windows/${item.number}`, { method: "PATCH", token, body });
  const before = item.queues.map((r) => r.queue_id);
  if (JSON.stringify(before) !== JSON.stringify(queueIds)) {
    await api(`/windows/${item.number}/routing`, { method: "PUT", token, body: { queue_ids: queueIds } });
  }
}

// -- the hall -------------------------------------------------------------------------------
function hallPanel() {
  const h = catalog.hall;
  const hours = h.hours || {};
  const form = el("form", { class: "grid-form", id: "form-hall", novalidate: true },
    el("h3", {}, t("admin.tab.hall")),
    fieldRow({ name: "name_zh" }, h.name_zh), fieldRow({ name: "name_en" }, h.name_en),
    fieldRow({ name: "notice_zh", type: "textarea" }, h.notice_zh),
    fieldRow({ name: "notice_en", type: "textarea" }, h.notice_en),
    el("fieldset", {}, el("legend", {}, `${t("field.hours")} (09:00-12:00, 13:30-17:00)`),
      DAYS.map((d) => el("label", {}, t(`day.${d}`),
        el("input", { name: `hours-${d}`, value: (hours[d] || []).map((s) => s.join("-")).join(", ") }))),
      el("span", { class: "error", dataset: { errorFor: "hours" } })),
    fieldRow({ name: "rules", type: "textarea", rows: 8 }, JSON.stringify(h.rules || {}, null, 2)),
    el("p", { class: "muted" }, t("admin.rules_help")),
    el("span", { class: "error", dataset: { errorFor: "_form" } }),
    el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, t("common.save")),
      el("span", { class: "ok", id: "hall-saved" })));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    $("#hall-saved").textContent = "";
    let rules;
    try {
      rules = JSON.parse(form.elements.rules.value || "{}");
    } catch {
      showErrors(form, { code: "invalid_json", details: { field: "rules" } });
      return;
    }
    const spans = {};
    for (const d of DAYS) {
      const text = form.elements[`hours-${d}`].value.trim();
      spans[d] = text ? text.split(/[,，]/).map((s) => s.trim().split("-").map((x) => x.trim())) : [];
    }
    try {
      await api("/hall", { method: "PATCH", token, body: {
        name_zh: form.elements.name_zh.value, name_en: form.elements.name_en.value,
        notice_zh: form.elements.notice_zh.value, notice_en: form.elements.notice_en.value, hours: spans, rules } });
      $("#hall-saved").textContent = t("common.saved");
      await reload(false);
    } catch (err) {
      showErrors(form, err);
    }
  });
  return form;
}

// -- staff ----------------------------------------------------------------------------------
async function staffPanel() {
  const staff = await api("/staff", { token });
  const fields = [
    { name: "username", required: true }, { name: "display_name" },
    { name: "role", type: "select", text: true, options: ["clerk", "manager", "admin"].map((r) => [r, t(`role.${r}`)]) },
    { name: "password" }, { name: "staff_number" },
    { name: "department_id", type: "select", nullable: true, options: catalog.departments.map((d) => [d.id, name(d)]) },
  ];
  const form = el("form", { class: "grid-form", id: "form-staff", novalidate: true },
    el("h3", {}, t("admin.new.staff")), fields.map((f) => fieldRow(f, f.name === "role" ? "clerk" : "")),
    el("span", { class: "error", dataset: { errorFor: "_form" } }),
    el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, t("common.save"))));
  form.elements.password.type = "password";
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = {};
    for (const f of fields) {
      const v = read(form, f);
      if (v !== undefined && v !== "") body[f.name] = v;
    }
    try {
      await api("/staff", { method: "POST", token, body });
      await show("staff");
    } catch (err) {
      showErrors(form, err);
    }
  });
  return el("div", {}, form, el("table", { class: "data", id: "table-staff" },
    el("thead", {}, el("tr", {}, ["username", "display_name", "staff_number", "role", "active"].map((c) => el("th", {}, t(`field.${c}`))))),
    el("tbody", {}, staff.map((s) => el("tr", {}, el("td", {}, s.username), el("td", {}, s.display_name),
      el("td", {}, s.staff_number), el("td", {}, t(`role.${s.role}`)), el("td", {}, s.active ? "✓" : "✗"))))));
}

// -- devices --------------------------------------------------------------------------------
async function devicesPanel() {
  const devices = await api("/devices", { token });
  const issued = el("div", { class: "issued", id: "issued-token", hidden: true });
  const form = el("form", { class: "grid-form", id: "form-devices", novalidate: true },
    el("h3", {}, t("admin.new.devices")),
    fieldRow({ name: "kind", type: "select", text: true, options: ["kiosk", "display", "counter"].map((k) => [k, t(`device.kind.${k}`)]) }, "display"),
    fieldRow({ name: "name", required: true }, ""),
    fieldRow({ name: "window_number", type: "number", nullable: true }, ""),
    fieldRow({ name: "config", type: "textarea" }, '{"zone": "", "windows": []}'),
    el("p", { class: "muted" }, t("admin.device_config_help")),
    el("span", { class: "error", dataset: { errorFor: "_form" } }),
    el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, t("common.save"))));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    let config;
    try {
      config = JSON.parse(form.elements.config.value || "{}");
    } catch {
      showErrors(form, { code: "invalid_json", details: { field: "config" } });
      return;
    }
    const body = { kind: form.elements.kind.value, name: form.elements.name.value.trim(), config };
    const win = form.elements.window_number.value.trim();
    if (win) body.window_number = Number(win);
    try {
      const device = await api("/devices", { method: "POST", token, body });
      await show("devices");
      const box = $("#issued-token");
      const url = `${location.origin}/display?token=${device.token}`;
      box.replaceChildren(el("strong", {}, t("admin.token_once")), el("code", { id: "new-token" }, device.token),
        device.kind === "display" ? el("div", {}, t("admin.display_url"), el("code", { id: "display-url" }, url)) : null);
      box.hidden = false;
    } catch (err) {
      showErrors(form, err);
    }
  });
  const revoke = (d, button) => async () => {
    if (button.dataset.confirm !== "1") {
      button.dataset.confirm = "1";
      button.textContent = t("admin.revoke_confirm");
      return;
    }
    await api(`/devices/${d.id}/revoke`, { method: "POST", token });
    await show("devices");
  };
  return el("div", {}, issued, form, el("table", { class: "data", id: "table-devices" },
    el("thead", {}, el("tr", {}, ["kind", "name", "window_number", "config", "last_seen_at", ""].map((c) => el("th", {}, c ? t(`field.${c}`) : "")))),
    el("tbody", {}, devices.map((d) => {
      const button = el("button", { type: "button", class: "small danger", dataset: { revoke: d.id } }, t("admin.revoke"));
      button.addEventListener("click", revoke(d, button));
      return el("tr", { class: d.revoked ? "revoked" : "" }, el("td", {}, t(`device.kind.${d.kind}`)), el("td", {}, d.name),
        el("td", {}, d.window_number ?? ""), el("td", {}, JSON.stringify(d.config || {})),
        el("td", {}, d.last_seen_at ? new Date(d.last_seen_at).toLocaleString() : "—"),
        el("td", {}, d.revoked ? t("admin.revoked") : button));
    }))));
}

async function show(tab) {
  current = tab;
  for (const b of $$("#tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
  let content;
  if (tab === "hall") content = hallPanel();
  else if (tab === "staff") content = await staffPanel();
  else if (tab === "devices") content = await devicesPanel();
  else content = entityPanel(tab);
  $("#panel").replaceChildren(content);
}

async function reload(redraw = true) {
  catalog = await api("/admin/catalog", { token });
  if (redraw) await show(current);
}

staffPage(async (session) => {
  token = session.token;
  const ready = reload();
  // A tab chosen while the catalog is still loading opens once it has arrived.
  for (const b of $$("#tabs button")) b.addEventListener("click", async () => { await ready; await show(b.dataset.tab); });
  await ready;
});
