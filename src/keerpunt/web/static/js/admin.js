// The admin page: the registration taxonomy, the regions' contact persons and the canned
// replies, all through the JSON API (docs/protocol.md) with the staff session cookie.
//
// An account without the admin role gets 404 from the admin routes, exactly as for
// something that does not exist; the page then says it is for administrators.
// Names and texts people typed go into the page as text (dom.js el()), never as markup.

import { HttpError } from "./socket.js";
import { t, config } from "./strings.js";
import { el, $, show } from "./dom.js";
import {
  staffElements,
  staffPage,
  SessionLost,
  detailOf,
  problem as staffProblem,
  status,
  button,
  textInput,
  field,
  setError,
  showRefusal,
  cancelOnEscape,
  placeForm,
  closeForms,
} from "./staffpage.js";
import { staffPart } from "./adminstaff.js";
import { hoursPart } from "./adminhours.js";

const LISTS = [
  "outcome",
  "visitor",
  "age_band",
  "region",
  "crime_involvement",
  "crime_forms",
  "other_problems",
  "signals",
  "help_questions",
  "help_offered",
  "safety",
];
const ROLES = ["zorgcoordinator", "avim", "municipality", "youth_care", "other"];
const MAX_SOURCE_CHARS = 200000; // the API's limit for a taxonomy file
const MAX_FILE_BYTES = 1024 * 1024;
const KEY_PATTERN = /^[a-z0-9_]{1,40}$/;

const ui = {
  ...staffElements(),
  notAdmin: $("#not-admin"),
  notAdminTitle: $("#not-admin-title"),
  adminView: $("#admin-view"),
  taxonomyStatus: $("#taxonomy-status"),
  taxonomyCurrent: $("#taxonomy-current"),
  taxonomyLists: $("#taxonomy-lists"),
  versions: $("#versions tbody"),
  loadForm: $("#load-form"),
  loadFile: $("#load-file"),
  loadSource: $("#load-source"),
  loadError: $("#load-error"),
  regionsStatus: $("#regions-status"),
  regionList: $("#region-list"),
  cannedStatus: $("#canned-status"),
  cannedAdd: $("#canned-add"),
  cannedSlot: $("#canned-slot"),
  cannedList: $("#canned-list"),
  cannedEmpty: $("#canned-empty"),
  auditForm: $("#audit-form"),
  auditSince: $("#audit-since"),
  auditUntil: $("#audit-until"),
  auditError: $("#audit-error"),
  auditStatus: $("#audit-status"),
  auditResults: $("#audit-results"),
  auditRows: $("#audit-results tbody"),
  auditMore: $("#audit-more"),
};

const state = {
  regions: [],
  canned: [],
  // The last search's filters and where its next, older page starts.
  audit: { query: null, before: null, shown: 0 },
};

const { call, start } = staffPage({
  ui,
  view: ui.adminView,
  denied: ui.notAdmin,
  deniedTitle: ui.notAdminTitle,
  load: () => call("/api/v1/taxonomy/versions"),
  open: openAdmin,
});
const staff = staffPart((path, options) => call(path, options));
const hours = hoursPart((path, options) => call(path, options));

// Helpers ------------------------------------------------------------------------------

function inLocale(text) {
  return (text && (text[config.locale] || text.nl)) || "";
}

function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(config.locale === "nl" ? "nl-NL" : "en-GB", {
    dateStyle: "long",
    timeStyle: "short",
  });
}

function headRow(...names) {
  return el("thead", {}, el("tr", {}, ...names.map((name) => el("th", { scope: "col" }, name))));
}

// What a failed request means for the person, in one sentence: here a 404 is something
// gone, and only the server's own `detail` counts as its reason.
function problem(error) {
  if (error instanceof HttpError && error.status === 404) return t("gone");
  return staffProblem(error, detailOf);
}

// Forms: fields with their rules, errors beside them -------------------------------------

// The first rule a value breaks, as a sentence; "" when it keeps them all.
function check(value, rules) {
  if (rules.required && !value.trim()) return t("field_required");
  if (rules.max && value.length > rules.max) return t("field_too_long", { max: rules.max });
  if (rules.pattern && !rules.pattern.test(value)) return t("key_pattern");
  return "";
}

// Checks every field; marks each one at fault and focuses the first. True when all pass.
function checkAll(fields, rules) {
  let first = null;
  for (const [name, entry] of Object.entries(fields)) {
    const broken = rules[name] ? check(entry.control.value, rules[name]) : "";
    setError(entry, broken);
    if (broken && !first) first = entry;
  }
  if (first) first.control.focus();
  return !first;
}

// A refusal beside its field when it names one we show; otherwise in `general`.
function refuse(error, fields, general) {
  const own = { key_taken: t("key_taken"), invalid: t("field_invalid") };
  showRefusal(error, fields, general, { own, describe: problem });
}

// Logged in ------------------------------------------------------------------------------

// The page for an admin, once the versions came (a 404 there: not an admin, see staffpage.js).
async function openAdmin(versions, { focus }) {
  renderVersions(versions);
  // Focus moves off the log-in form, which is gone now: to the top of the page.
  if (focus) $("#taxonomy-title").focus();
  await Promise.all([loadTaxonomy(), loadRegions(), loadCanned(), staff.load(), hours.load()]);
}

// The taxonomy ----------------------------------------------------------------------------

async function loadTaxonomy() {
  try {
    renderTaxonomy(await call("/api/v1/taxonomy"));
  } catch (error) {
    if (!(error instanceof SessionLost)) status(ui.taxonomyStatus, problem(error));
  }
}

async function loadVersions() {
  try {
    renderVersions(await call("/api/v1/taxonomy/versions"));
  } catch (error) {
    if (!(error instanceof SessionLost)) status(ui.taxonomyStatus, problem(error));
  }
}

function renderTaxonomy(taxonomy) {
  ui.taxonomyCurrent.textContent = t("taxonomy_current", {
    version: taxonomy.version,
    when: when(taxonomy.loaded_at),
  });
  const multiple = new Set(taxonomy.multiple || []);
  const blocks = LISTS.filter((name) => taxonomy.lists[name]).map((name) => {
    const items = taxonomy.lists[name];
    const retired = items.filter((item) => item.retired).length;
    const facts = [t("codes_count", { count: items.length })];
    if (retired) facts.push(t("retired_count", { count: retired }));
    if (multiple.has(name)) facts.push(t("several_apply"));
    const rows = items.map((item) =>
      el(
        "tr",
        { class: item.retired ? "retired" : null },
        el("td", {}, el("code", {}, item.code)),
        el("td", { lang: "nl" }, item.label.nl),
        el("td", { lang: "en" }, item.label.en),
        el("td", {}, item.retired ? t("retired") : t("in_use")),
      ),
    );
    const summary = el(
      "summary",
      {},
      el("span", { class: "list-name" }, t(`list_${name}`)),
      " ",
      el("span", { class: "facts" }, `(${facts.join(", ")})`),
    );
    return el(
      "details",
      { class: "list", dataset: { list: name } },
      summary,
      el(
        "table",
        { class: "grid" },
        el("caption", { class: "visually-hidden" }, t(`list_${name}`)),
        headRow(t("col_code"), t("col_dutch"), t("col_english"), t("col_state")),
        el("tbody", {}, ...rows),
      ),
    );
  });
  ui.taxonomyLists.replaceChildren(...blocks);
}

function renderVersions(versions) {
  const newest = [...versions].sort((a, b) => b.version - a.version);
  ui.versions.replaceChildren(
    ...newest.map((row) =>
      el(
        "tr",
        {},
        el("td", {}, String(row.version)),
        el("td", {}, el("time", { datetime: row.loaded_at }, when(row.loaded_at))),
        el("td", {}, row.loaded_by || t("loaded_by_system")),
      ),
    ),
  );
}

function loadError(text) {
  ui.loadError.textContent = text || "";
  show(ui.loadError, Boolean(text));
  if (text) ui.loadSource.setAttribute("aria-invalid", "true");
  else ui.loadSource.removeAttribute("aria-invalid");
}

// A chosen file is read here, into the text box: the admin sees what will be loaded.
ui.loadFile.addEventListener("change", async () => {
  const file = ui.loadFile.files?.[0];
  loadError("");
  status(ui.taxonomyStatus, "");
  if (!file) return;
  if (file.size > MAX_FILE_BYTES) {
    loadError(t("file_too_big"));
    return;
  }
  try {
    ui.loadSource.value = await file.text();
  } catch {
    loadError(t("file_unreadable"));
    return;
  }
  status(ui.taxonomyStatus, t("file_read", { name: file.name }));
});

ui.loadForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const source = ui.loadSource.value;
  loadError("");
  status(ui.taxonomyStatus, "");
  if (!source.trim()) {
    loadError(t("source_missing"));
    ui.loadSource.focus();
    return;
  }
  if (source.length > MAX_SOURCE_CHARS) {
    loadError(t("source_too_long", { max: MAX_SOURCE_CHARS.toLocaleString(config.locale) }));
    ui.loadSource.focus();
    return;
  }
  const button = ui.loadForm.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const loaded = await call("/api/v1/taxonomy", { method: "POST", body: { source } });
    ui.loadSource.value = "";
    ui.loadFile.value = "";
    renderTaxonomy(loaded);
    status(ui.taxonomyStatus, t("load_done", { version: loaded.version }));
    // The regions are the new version's region list.
    await Promise.all([loadVersions(), loadRegions()]);
  } catch (error) {
    if (error instanceof SessionLost) return;
    if (error instanceof HttpError && error.code === "taxonomy_invalid") {
      loadError(t("load_refused", { reason: error.message }));
    } else {
      loadError(problem(error));
    }
    ui.loadSource.focus();
  } finally {
    button.disabled = false;
  }
});

// Regions and contact persons -----------------------------------------------------------

async function loadRegions() {
  try {
    state.regions = await call("/api/v1/regions");
    renderRegions();
  } catch (error) {
    if (!(error instanceof SessionLost)) status(ui.regionsStatus, problem(error));
  }
}

function roleText(role) {
  return t(`role_${ROLES.includes(role) ? role : "other"}`);
}

function renderRegions() {
  ui.regionList.replaceChildren(...state.regions.map(regionBlock));
}

function regionBlock(region) {
  const name = inLocale(region.label);
  const slot = el("div", { class: "slot" });
  const add = button(t("contact_add", { region: name }), { data: { add: region.code } });
  add.addEventListener("click", () => openContactForm(region, null, slot, add));

  let body;
  if (region.contacts.length) {
    body = el(
      "table",
      { class: "grid contacts" },
      el("caption", { class: "visually-hidden" }, t("contacts_in", { region: name })),
      headRow(t("col_role"), t("col_name"), t("col_reach"), t("col_active"), t("col_actions")),
      el("tbody", {}, ...region.contacts.map((contact) => contactRow(region, contact, slot))),
    );
  } else {
    body = el("p", { class: "empty" }, t("no_contacts"));
  }
  return el(
    "div",
    { class: "region", dataset: { region: region.code } },
    el("h3", {}, name),
    body,
    el("p", { class: "add" }, add),
    slot,
  );
}

function contactRow(region, contact, slot) {
  const name = contact.name;
  const edit = button(t("edit"), { label: t("edit_named", { name }), data: { edit: contact.id } });
  const remove = button(t("remove"), { kind: "danger", label: t("remove_named", { name }), data: { remove: contact.id } });
  edit.addEventListener("click", () => openContactForm(region, contact, slot, edit));
  remove.addEventListener("click", () => removeContact(region, contact));
  return el(
    "tr",
    { class: contact.active ? null : "inactive", dataset: { contact: contact.id } },
    el("td", {}, roleText(contact.role)),
    el("td", {}, contact.name),
    el("td", {}, contact.reach),
    el("td", {}, contact.active ? t("active") : t("inactive")),
    el("td", { class: "row-actions" }, edit, " ", remove),
  );
}

// One form per region at a time, below the table: to add a contact person or change one.
function openContactForm(region, contact, slot, opener) {
  const prefix = `contact-${region.code}`;
  const chosen = contact ? contact.role : ROLES[0];
  const role = el(
    "select",
    { name: "role" },
    ...ROLES.map((code) => el("option", { value: code, selected: code === chosen }, roleText(code))),
  );
  const fields = {
    role: field({ id: `${prefix}-role`, label: t("col_role"), control: role }),
    name: field({ id: `${prefix}-name`, label: t("col_name"), control: textInput("name", 100, contact?.name) }),
    reach: field({
      id: `${prefix}-reach`,
      label: t("col_reach"),
      hint: t("reach_hint"),
      control: textInput("reach", 200, contact?.reach),
    }),
  };
  const active = contact
    ? el("input", { type: "checkbox", id: `${prefix}-active`, name: "active", checked: contact.active })
    : null;
  const legend = contact
    ? t("contact_change", { name: contact.name })
    : t("contact_add", { region: inLocale(region.label) });
  const general = el("p", { class: "error", role: "alert", hidden: true });
  const cancel = el("button", { type: "button", class: "secondary" }, t("cancel"));
  const form = el(
    "form",
    { class: "form", novalidate: true },
    el(
      "fieldset",
      {},
      el("legend", {}, legend),
      fields.role.node,
      fields.name.node,
      fields.reach.node,
      active && el("div", { class: "check" }, active, el("label", { for: active.id }, t("contact_active_label"))),
      general,
      el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, t("save")), cancel),
    ),
  );
  const close = () => {
    slot.replaceChildren();
    opener.focus();
  };
  cancel.addEventListener("click", close);
  cancelOnEscape(form, close);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(general, false);
    const rules = { name: { required: true, max: 100 }, reach: { required: true, max: 200 } };
    if (!checkAll(fields, rules)) return;
    const body = {
      role: role.value,
      name: fields.name.control.value.trim(),
      reach: fields.reach.control.value.trim(),
    };
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const saved = contact
        ? await call(`/api/v1/contacts/${contact.id}`, { method: "PUT", body: { ...body, active: active.checked } })
        : await call(`/api/v1/regions/${encodeURIComponent(region.code)}/contacts`, { method: "POST", body });
      await loadRegions();
      const done = contact ? "contact_saved" : "contact_added";
      status(ui.regionsStatus, t(done, { name: saved.name, region: inLocale(region.label) }));
      focusAfterContact(region.code, saved.id);
    } catch (error) {
      submit.disabled = false;
      if (error instanceof HttpError && error.status === 404) {
        status(ui.regionsStatus, t("gone"));
        await loadRegions();
        return;
      }
      refuse(error, fields, general);
    }
  });
  slot.replaceChildren(form);
  fields.role.control.focus();
}

function focusAfterContact(regionCode, contactId) {
  const block = ui.regionList.querySelector(`[data-region="${regionCode}"]`);
  if (!block) return;
  const edit = contactId ? block.querySelector(`[data-edit="${contactId}"]`) : null;
  (edit || block.querySelector("[data-add]")).focus();
}

async function removeContact(region, contact) {
  if (!window.confirm(t("contact_confirm_remove", { name: contact.name }))) return;
  try {
    await call(`/api/v1/contacts/${contact.id}`, { method: "DELETE" });
  } catch (error) {
    if (error instanceof SessionLost) return;
    status(ui.regionsStatus, problem(error));
    await loadRegions();
    return;
  }
  await loadRegions();
  // The answer is 204 either way; a contact person named in a handover is still listed.
  const kept = state.regions.some((r) => r.contacts.some((c) => c.id === contact.id));
  status(ui.regionsStatus, t(kept ? "contact_deactivated" : "contact_removed", { name: contact.name }));
  focusAfterContact(region.code, kept ? contact.id : null);
}

// Canned replies ---------------------------------------------------------------------------

async function loadCanned() {
  try {
    state.canned = await call("/api/v1/canned");
    renderCanned();
  } catch (error) {
    if (!(error instanceof SessionLost)) status(ui.cannedStatus, problem(error));
  }
}

function renderCanned() {
  ui.cannedSlot.replaceChildren();
  ui.cannedList.replaceChildren(...state.canned.map(cannedItem));
  show(ui.cannedEmpty, state.canned.length === 0);
}

function languageVersion(lang, heading, title, body) {
  return el(
    "div",
    { class: "version" },
    el("h4", {}, heading),
    el("p", { class: "reply-title", lang }, title),
    el("p", { class: "reply-body", lang }, body),
  );
}

function cannedItem(reply) {
  const title = inLocale(reply.title);
  const edit = button(t("edit"), { label: t("edit_named", { name: title }), data: { edit: reply.id } });
  const remove = button(t("remove"), { kind: "danger", label: t("remove_named", { name: title }), data: { remove: reply.id } });
  const view = el(
    "div",
    { class: "reply-view" },
    el(
      "div",
      { class: "reply-head" },
      el("h3", {}, title),
      el("span", { class: "key" }, t("key_is", { key: reply.key })),
    ),
    el(
      "div",
      { class: "versions" },
      languageVersion("nl", t("col_dutch"), reply.title.nl, reply.body.nl),
      languageVersion("en", t("col_english"), reply.title.en, reply.body.en),
    ),
    el("p", { class: "row-actions" }, edit, " ", remove),
  );
  const li = el("li", { class: "reply", dataset: { canned: reply.id } }, view);
  edit.addEventListener("click", () => openCannedForm(reply, li, edit));
  remove.addEventListener("click", () => removeCanned(reply));
  return li;
}

function openCannedForm(reply, place, opener) {
  closeForms(ui.cannedSlot, ui.cannedList, ".reply-view");
  const prefix = reply ? `canned-${reply.id}` : "canned-new";
  const area = (name, value) => {
    const node = el("textarea", { name, rows: 7, maxlength: 4000 });
    node.value = value || "";
    return node;
  };
  const fields = {
    key: field({
      id: `${prefix}-key`,
      label: t("field_key"),
      hint: t("key_hint"),
      control: textInput("key", 40, reply?.key),
    }),
    "title.nl": field({
      id: `${prefix}-title-nl`,
      label: t("field_title_nl"),
      control: textInput("title_nl", 100, reply?.title.nl),
    }),
    "title.en": field({
      id: `${prefix}-title-en`,
      label: t("field_title_en"),
      control: textInput("title_en", 100, reply?.title.en),
    }),
    "body.nl": field({ id: `${prefix}-body-nl`, label: t("field_body_nl"), control: area("body_nl", reply?.body.nl) }),
    "body.en": field({ id: `${prefix}-body-en`, label: t("field_body_en"), control: area("body_en", reply?.body.en) }),
  };
  fields["title.nl"].control.lang = fields["body.nl"].control.lang = "nl";
  fields["title.en"].control.lang = fields["body.en"].control.lang = "en";
  const general = el("p", { class: "error", role: "alert", hidden: true });
  const cancel = el("button", { type: "button", class: "secondary" }, t("cancel"));
  const form = el(
    "form",
    { class: "form canned-form", novalidate: true },
    el(
      "fieldset",
      {},
      el("legend", {}, reply ? t("canned_change", { name: inLocale(reply.title) }) : t("canned_new")),
      fields.key.node,
      el("div", { class: "pair" }, fields["title.nl"].node, fields["title.en"].node),
      el("div", { class: "pair" }, fields["body.nl"].node, fields["body.en"].node),
      general,
      el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, t("save")), cancel),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(general, false);
    const text = { required: true, max: 4000 };
    const rules = {
      key: { required: true, pattern: KEY_PATTERN },
      "title.nl": { required: true, max: 100 },
      "title.en": { required: true, max: 100 },
      "body.nl": text,
      "body.en": text,
    };
    if (!checkAll(fields, rules)) return;
    const value = (name) => fields[name].control.value.trim();
    const body = {
      key: fields.key.control.value,
      title: { nl: value("title.nl"), en: value("title.en") },
      body: { nl: value("body.nl"), en: value("body.en") },
    };
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const saved = reply
        ? await call(`/api/v1/canned/${reply.id}`, { method: "PUT", body })
        : await call("/api/v1/canned", { method: "POST", body });
      await loadCanned();
      status(ui.cannedStatus, t(reply ? "canned_saved" : "canned_added", { name: inLocale(saved.title) }));
      (ui.cannedList.querySelector(`[data-edit="${saved.id}"]`) || ui.cannedAdd).focus();
    } catch (error) {
      submit.disabled = false;
      if (error instanceof HttpError && error.status === 404) {
        status(ui.cannedStatus, t("gone"));
        await loadCanned();
        ui.cannedAdd.focus();
        return;
      }
      refuse(error, fields, general);
    }
  });
  placeForm(form, { place, viewSelector: ".reply-view", slot: ui.cannedSlot, opener, cancel });
  fields.key.control.focus();
}

ui.cannedAdd.addEventListener("click", () => openCannedForm(null, null, ui.cannedAdd));

async function removeCanned(reply) {
  const name = inLocale(reply.title);
  if (!window.confirm(t("canned_confirm_remove", { name }))) return;
  try {
    await call(`/api/v1/canned/${reply.id}`, { method: "DELETE" });
    status(ui.cannedStatus, t("canned_removed", { name }));
  } catch (error) {
    if (error instanceof SessionLost) return;
    status(ui.cannedStatus, problem(error));
  }
  await loadCanned();
  ui.cannedAdd.focus();
}

// The access log ---------------------------------------------------------------------------
// Searched only when asked: every search is itself an entry in the log.

function utcDay(value, days = 0) {
  const [year, month, day] = value.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString();
}

function auditQuery() {
  const form = new FormData(ui.auditForm);
  const query = new URLSearchParams();
  for (const name of ["user", "action", "outcome", "conversation"]) {
    const value = String(form.get(name) || "").trim();
    if (value) query.set(name, value);
  }
  const since = ui.auditSince.value;
  const until = ui.auditUntil.value;
  if (since) query.set("since", utcDay(since));
  // "Up to and including" a day: up to the start of the next one.
  if (until) query.set("until", utcDay(until, 1));
  return query;
}

function utcTime(iso) {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

function auditRow(entry) {
  const outcome = entry.outcome === "denied" ? t("audit_denied") : entry.outcome === "ok" ? t("audit_ok") : entry.outcome;
  return el(
    "tr",
    { class: entry.outcome === "denied" ? "denied" : null, dataset: { entry: entry.id } },
    el("td", {}, el("time", { datetime: entry.at }, utcTime(entry.at))),
    el("td", {}, entry.user || t("audit_system")),
    el("td", {}, entry.role),
    el("td", {}, el("code", {}, entry.action)),
    el("td", {}, outcome),
    el("td", {}, entry.conversation ? el("code", {}, entry.conversation) : ""),
    el("td", {}, entry.subject || ""),
    el("td", {}, entry.purpose || ""),
    el("td", {}, entry.count === null ? "" : String(entry.count)),
  );
}

async function searchAudit(query, before) {
  const params = new URLSearchParams(query);
  if (before) params.set("before", String(before));
  const page = await call(`/api/v1/audit?${params}`);
  const rows = page.entries.map(auditRow);
  if (before) ui.auditRows.append(...rows);
  else ui.auditRows.replaceChildren(...rows);
  state.audit = { query, before: page.next_before, shown: (before ? state.audit.shown : 0) + rows.length };
  show(ui.auditResults, state.audit.shown > 0);
  show(ui.auditMore, Boolean(page.next_before));
  status(
    ui.auditStatus,
    state.audit.shown ? t("audit_count", { count: state.audit.shown }) : t("audit_none"),
  );
}

function auditError(text) {
  ui.auditError.textContent = text || "";
  show(ui.auditError, Boolean(text));
}

ui.auditForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  auditError("");
  if (ui.auditSince.value && ui.auditUntil.value && ui.auditUntil.value < ui.auditSince.value) {
    auditError(t("audit_dates"));
    ui.auditUntil.focus();
    return;
  }
  const submit = ui.auditForm.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    await searchAudit(auditQuery(), null);
  } catch (error) {
    if (!(error instanceof SessionLost)) auditError(problem(error));
  } finally {
    submit.disabled = false;
  }
});

ui.auditMore.addEventListener("click", async () => {
  if (!state.audit.query || !state.audit.before) return;
  ui.auditMore.disabled = true;
  try {
    await searchAudit(state.audit.query, state.audit.before);
  } catch (error) {
    if (!(error instanceof SessionLost)) auditError(problem(error));
  } finally {
    ui.auditMore.disabled = false;
  }
});

// Start ------------------------------------------------------------------------------------------

start();
