// docgen's web page: a form generated from the JSON Schema (GET /v1/schema), checks as you type
// (POST /v1/check), spreadsheet import (POST /v1/import), downloads (POST /v1/render, /v1/change).
// No library and nothing fetched from outside this service.
"use strict";

const LONG = new Set(["content", "description", "profile", "reason", "role", "composition"]);
const LONG_PARENTS = new Set(["运行机制", "建设方案文字"]);
let SCHEMA = null;
let ROOT = null;
let checkTimer = null;
let checkSerial = 0;

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value; else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
};

function resolve(schema) {
  if (schema && schema.$ref) {
    const name = schema.$ref.replace("#/$defs/", "");
    const { $ref, ...rest } = schema;
    return { ...SCHEMA.$defs[name], ...rest, title: rest.title || SCHEMA.$defs[name].title };
  }
  return schema || {};
}

function status(text, isError = false) {
  const node = $("status");
  node.textContent = text;
  node.className = isError ? "error" : "";
}

// --- components: each has .node and .get() (undefined when empty) ------------------------------------

function build(schema, path, value, context = {}) {
  schema = resolve(schema);
  const branches = schema.anyOf || [];
  const nullable = branches.some((b) => b.type === "null");
  const inner = branches.filter((b) => b.type !== "null");
  if (nullable && inner.length === 1) {
    const target = resolve(inner[0]);
    const merged = { ...target, title: schema.title || target.title, description: schema.description || target.description };
    if (target.type === "object") return optionalObject(merged, path, value);
    return build(merged, path, value, { ...context, optional: true });
  }
  if (inner.length === 2 && inner.some((b) => b.type === "number") && inner.some((b) => b.type === "string")) {
    return textInput(schema, path, value, { decimal: true, pattern: inner.find((b) => b.type === "string").pattern });
  }
  if (inner.length === 2 && inner[0].oneOf) return textInput(schema, path, value, { suggestions: inner[0].oneOf.map((o) => o.const) });
  if (schema.oneOf && schema.oneOf.every((o) => "const" in o)) return choice(schema, path, value, context);
  if (schema.oneOf && schema.discriminator) return union(schema, path, value);
  if (schema.type === "object") return object(schema, path, value || {});
  if (schema.type === "array") return array(schema, path, value || []);
  if (schema.type === "integer" || schema.type === "number") return numberInput(schema, path, value);
  if (schema.type === "string" && "const" in schema) return { node: null, get: () => schema.const };
  return textInput(schema, path, value, { long: LONG.has(path.split(".").pop()) || LONG_PARENTS.has(context.parentTitle), date: schema.format === "date" });
}

function textInput(schema, path, value, options = {}) {
  let input;
  if (options.long) input = el("textarea", { "data-path": path, name: path });
  else input = el("input", { type: options.date ? "date" : "text", "data-path": path, name: path, pattern: schema.pattern || options.pattern });
  if (options.suggestions) {
    const list = el("datalist", { id: `list-${path}` });
    for (const option of options.suggestions) list.append(el("option", { value: option }));
    input.setAttribute("list", list.id);
    input.after(list);
    input._extra = list;
  }
  if (value !== undefined && value !== null) input.value = String(value);
  return { node: input, extra: input._extra, get: () => (input.value.trim() === "" ? undefined : input.value.trim()) };
}

function numberInput(schema, path, value) {
  const input = el("input", { type: "number", step: schema.type === "integer" ? "1" : "any", "data-path": path, name: path });
  if (value !== undefined && value !== null) input.value = String(value);
  return { node: input, get: () => (input.value === "" ? undefined : Number(input.value)) };
}

function choice(schema, path, value, context) {
  const select = el("select", { "data-path": path, name: path });
  select.append(el("option", { value: "", text: "（请选择）" }));
  for (const option of schema.oneOf) select.append(el("option", { value: option.const, text: option.title || option.const }));
  select.value = value ?? schema.default ?? "";
  return { node: select, get: () => (select.value === "" ? undefined : select.value) };
}

function field(schema, key, path, value, required, parentTitle) {
  const child = build(schema, path, value, { parentTitle });
  if (!child.node) return child;
  const resolved = resolve(schema);
  if (child.node.tagName === "FIELDSET" || child.node.classList.contains("array")) return child;
  const box = el("div", { class: required ? "field required" : "field" },
    el("label", { for: `f-${path}`, text: resolved.title || key }), child.node);
  child.node.id = `f-${path}`;
  if (child.extra) box.append(child.extra);
  if (resolved.description && resolved.description !== resolved.title) box.append(el("div", { class: "hint", text: resolved.description }));
  return { node: box, get: child.get };
}

function object(schema, path, value) {
  const box = el("fieldset", { "data-path": path || "(root)" }, el("legend", { text: schema.title || path }));
  const required = new Set(schema.required || []);
  const parts = {};
  for (const [key, sub] of Object.entries(schema.properties || {})) {
    const part = field(sub, key, path ? `${path}.${key}` : key, value[key], required.has(key), schema.title);
    parts[key] = part;
    if (part.node) box.append(part.node);
  }
  return {
    node: box,
    get: () => {
      const out = {};
      for (const [key, part] of Object.entries(parts)) {
        const got = part.get();
        if (got !== undefined) out[key] = got;
      }
      return out;
    },
  };
}

function optionalObject(schema, path, value) {
  const box = el("fieldset", { "data-path": path }, el("legend", { text: schema.title }));
  const toggle = el("input", { type: "checkbox", "data-path": `${path}?` });
  const holder = el("div");
  box.append(el("label", {}, toggle, document.createTextNode(" 填写此项")), holder);
  let part = null;
  const show = (data) => { holder.textContent = ""; part = object({ ...schema, title: "" }, path, data || {}); part.node.querySelector("legend").remove(); holder.append(part.node); };
  toggle.checked = value !== undefined && value !== null;
  if (toggle.checked) show(value);
  toggle.addEventListener("change", () => { if (toggle.checked) show({}); else { holder.textContent = ""; part = null; } scheduleCheck(); });
  return { node: box, get: () => (toggle.checked && part ? part.get() : undefined) };
}

function union(schema, path, value) {
  const options = schema.oneOf.map((o) => resolve(o));
  const tag = schema.discriminator.propertyName;
  const box = el("fieldset", { "data-path": path }, el("legend", { text: schema.title }));
  const select = el("select", { "data-path": `${path}.${tag}` });
  select.append(el("option", { value: "", text: "（请选择）" }));
  options.forEach((o, i) => select.append(el("option", { value: String(i), text: o.title })));
  const holder = el("div");
  box.append(el("div", { class: "field required" }, el("label", { text: "方式" }), select), holder);
  let part = null;
  const show = (index, data) => { holder.textContent = ""; part = null; if (index === "") return; part = object({ ...options[Number(index)], title: "" }, path, data || {}); part.node.querySelector("legend").remove(); holder.append(part.node); };
  const initial = value ? options.findIndex((o) => o.properties[tag] && o.properties[tag].const === value[tag]) : -1;
  select.value = initial >= 0 ? String(initial) : "";
  show(select.value, value);
  select.addEventListener("change", () => { show(select.value, {}); scheduleCheck(); });
  return { node: box, get: () => (part ? part.get() : undefined) };
}

function array(schema, path, value) {
  const itemSchema = resolve(schema.items);
  const box = el("fieldset", { "data-path": path, class: "array" }, el("legend", { text: schema.title || path }));
  const list = el("div");
  const items = [];
  const add = (data) => {
    const index = items.length;
    const itemPath = `${path}[${index}]`;
    const part = build(itemSchema, itemPath, data, { parentTitle: schema.title });
    const row = el("div", { class: "item", "data-path": itemPath });
    const remove = el("button", { type: "button", text: "删除", "data-action": `remove ${itemPath}` });
    row.append(part.node, remove);
    const entry = { part, row };
    remove.addEventListener("click", () => { row.remove(); items.splice(items.indexOf(entry), 1); scheduleCheck(); });
    items.push(entry);
    list.append(row);
  };
  for (const data of value) add(data);
  const more = el("button", { type: "button", text: `添加${itemSchema.title || ""}`, "data-action": `add ${path}` });
  more.addEventListener("click", () => { add(undefined); scheduleCheck(); });
  box.append(list, more);
  return { node: box, get: () => items.map((i) => i.part.get()).filter((v) => v !== undefined) };
}

// --- the form as a whole -------------------------------------------------------------------------------

function fill(data) {
  const form = $("form");
  form.textContent = "";
  ROOT = object(SCHEMA, "", data || {});
  ROOT.node.querySelector("legend").textContent = "创新联合体";
  form.append(ROOT.node);
}

const current = () => ROOT.get();

async function problemText(response) {
  try {
    const body = await response.json();
    return body;
  } catch (e) {
    return { title: `HTTP ${response.status}`, detail: response.statusText };
  }
}

function showFindings(result) {
  const box = $("findings");
  box.textContent = "";
  if (result.problems) {
    box.append(el("p", { class: "error", text: `输入有${result.problems.length}处问题：` }));
    for (const p of result.problems) box.append(el("div", { class: "finding error", "data-code": "INPUT", text: `${p.label}（${p.path}）：${p.message}` }));
    return;
  }
  if (!result.findings) { box.append(el("p", { class: "error", text: `${result.title || "错误"}：${result.detail || ""}` })); return; }
  box.append(el("p", { class: result.valid ? "ok" : "error", text: result.valid ? `检查通过（${result.warnings}项提示）。` : `检查未通过：${result.errors}项错误，${result.warnings}项提示。` }));
  for (const f of result.findings) {
    box.append(el("div", { class: `finding ${f.severity}`, "data-code": f.code }, el("strong", { text: `${f.severity === "error" ? "错误" : "提示"} ${f.code}` }), el("div", { text: f.message }), el("div", { class: "muted", text: `${f.source}；字段 ${f.path}` })));
  }
}

async function check() {
  const serial = ++checkSerial;
  const response = await fetch("/v1/check", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(current()) });
  const result = await problemText(response);
  if (serial === checkSerial) showFindings(result);
}

function scheduleCheck() {
  if (!$("auto-check").checked) return;
  clearTimeout(checkTimer);
  checkTimer = setTimeout(check, 600);
}

async function download(url, options, fallback) {
  status("正在生成……");
  const response = await fetch(url, options);
  if (!response.ok) {
    const problem = await problemText(response);
    status(`${problem.title || "错误"}：${problem.detail || ""}`, true);
    if (problem.findings || problem.problems) showFindings({ ...problem, findings: problem.findings, valid: false, errors: (problem.findings || []).filter((f) => f.severity === "error").length, warnings: (problem.findings || []).filter((f) => f.severity !== "error").length });
    return;
  }
  const blob = await response.blob();
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = disposition.match(/filename\*=UTF-8''([^;]+)/);
  const link = el("a", { href: URL.createObjectURL(blob), download: match ? decodeURIComponent(match[1]) : fallback });
  document.body.append(link);
  link.click();
  link.remove();
  status("已生成，正在下载。");
}

function renderQuery(pdf) {
  const params = new URLSearchParams();
  if (pdf) params.set("pdf", "true");
  if ($("opt-draft").checked) params.set("draft", "true");
  if ($("opt-review").checked) params.set("review", "true");
  return `/v1/render?${params}`;
}

async function readInput(file) {
  const response = await fetch("/v1/parse", { method: "POST", headers: { "Content-Type": file.name.endsWith(".json") ? "application/json" : "application/yaml" }, body: await file.arrayBuffer() });
  const body = await problemText(response);
  if (!response.ok) { status(`${body.title}：${body.detail}`, true); return; }
  fill(body);
  status(`已载入 ${file.name}。`);
  check();
}

async function importWorkbook(file) {
  const form = new FormData();
  form.append("file", file);
  form.append("base", JSON.stringify(current()));
  const response = await fetch("/v1/import", { method: "POST", body: form });
  const body = await problemText(response);
  if (!response.ok) { status(`表格有问题，未导入：${body.title}`, true); showFindings(body); return; }
  fill(body);
  status(`已从 ${file.name} 导入成员单位、任务和经费。`);
  check();
}

async function start() {
  SCHEMA = await (await fetch("/v1/schema")).json();
  fill({});
  const form = $("form");
  form.addEventListener("input", scheduleCheck);
  form.addEventListener("change", scheduleCheck);
  $("check").addEventListener("click", check);
  $("upload-input").addEventListener("change", (e) => e.target.files[0] && readInput(e.target.files[0]));
  $("upload-xlsx").addEventListener("change", (e) => e.target.files[0] && importWorkbook(e.target.files[0]));
  $("export-xlsx").addEventListener("click", () => download("/v1/export", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(current()) }, "成员任务经费.xlsx"));
  $("render-docx").addEventListener("click", () => download(renderQuery(false), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(current()) }, "文件包.zip"));
  $("render-pdf").addEventListener("click", () => download(renderQuery(true), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(current()) }, "文件包.zip"));
  $("render-change").addEventListener("click", () => {
    const [old, neu] = [$("change-old").files[0], $("change-new").files[0]];
    if (!old || !neu) { status("请先选择原版本和新版本两个文件。", true); return; }
    const body = new FormData();
    body.append("old", old);
    body.append("new", neu);
    download(`/v1/change${$("opt-draft").checked ? "?draft=true" : ""}`, { method: "POST", body }, "补充协议.zip");
  });
  document.body.dataset.ready = "true";
}

start().catch((error) => status(`页面初始化失败：${error}`, true));
