// Reports by day or range, per department, queue, window or clerk; CSV and XLSX downloads.
import { $, LANG, api, clearErrors, el, localDate, showErrors, staffPage } from "./common.js";

let token = null;
const form = $("#report-form");

function query(format) {
  const q = new URLSearchParams({ from: form.from.value, to: form.to.value, by: form.by.value, format, lang: LANG });
  return `/reports/summary?${q}`;
}

const min = (s) => (s === null || s === undefined ? "" : (s / 60).toFixed(1));

function line(r, tag) {
  const cell = (v) => el(tag === "th" ? "td" : "td", { class: "n" }, v);
  return el("tr", { dataset: { key: r.key } }, el("th", {}, LANG === "en" ? r.label_en : r.label_zh),
    cell(r.tickets), cell(r.served), cell(r.no_show), cell(r.cancelled),
    cell(min(r.wait_avg_s)), cell(min(r.wait_p90_s)), cell(min(r.service_avg_s)), cell(min(r.service_p90_s)),
    ...["5", "4", "3", "2", "1"].map((k) => cell(r.evaluations[k])), cell(r.bad));
}

async function show() {
  clearErrors(form);
  try {
    const report = await api(query("json"), { token });
    $("#report tbody").replaceChildren(...report.rows.map((r) => line(r, "td")));
    $("#report tfoot").replaceChildren(line(report.total, "th"));
  } catch (err) {
    showErrors(form, err);
  }
}

async function download(format) {
  clearErrors(form);
  try {
    const res = await api(query(format), { token, raw: true });
    const disposition = res.headers.get("Content-Disposition") || "";
    const filename = (disposition.match(/filename="([^"]+)"/) || [])[1] || `report.${format}`;
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: filename, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    showErrors(form, err);
  }
}

staffPage((session) => {
  token = session.token;
  api("/reports/summary?by=department", { token }).then((r) => {
    form.from.value = r.from;
    form.to.value = r.to;
    show();
  }).catch(() => {
    form.from.value = localDate();
    form.to.value = localDate();
  });
  form.addEventListener("submit", (ev) => { ev.preventDefault(); show(); });
  for (const button of [$("#download-csv"), $("#download-xlsx")]) {
    button.addEventListener("click", () => download(button.dataset.format));
  }
});
