// Warm handovers: the list every counselor and supervisor follows up (region, contact
// person, status, how long it has been open), with the next step and the PDF for the
// contact person; for supervisors also the merged duplicates, which only they can undo.
//
// The row helpers here (status, age, step buttons, PDF link) serve casetools.js too, so a
// handover looks and behaves the same in a chat's side column and in this view.
// Names of contact persons and counselors go in as text (dom.js el()), never as markup.

import { HttpError } from "./socket.js";
import { el, show } from "./dom.js";

const NEXT = { proposed: "contacted", contacted: "accepted", accepted: "completed" };
const OPEN = new Set(["proposed", "contacted", "accepted"]);
export const STATUSES = ["proposed", "contacted", "accepted", "completed", "declined"];
const ROLES = new Set(["zorgcoordinator", "avim", "municipality", "youth_care", "other"]);

// Helpers shared with casetools.js --------------------------------------------------------------

export function labelText(label, locale) {
  if (!label) return "";
  return label[locale] || label.nl || label.en || "";
}

export function dateTime(iso, locale) {
  return new Date(iso).toLocaleString(locale === "en" ? "en-GB" : "nl-NL", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function shortCode(id) {
  return String(id).replace(/-/g, "").slice(0, 4).toUpperCase();
}

export function domId(prefix, id) {
  return `${prefix}-${String(id).replace(/[^A-Za-z0-9_-]/g, "")}`;
}

// "12 min", "5 h" ("5 u" in Dutch), "3 d": a handover is followed up over days.
export function ageText(seconds, t) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 3600) return t("case_age_minutes", { n: Math.floor(s / 60) });
  if (s < 86400) return t("case_age_hours", { n: Math.floor(s / 3600) });
  return t("case_age_days", { n: Math.floor(s / 86400) });
}

export function sinceSeconds(iso) {
  return (Date.now() - Date.parse(iso)) / 1000;
}

export function statusText(status, t) {
  return STATUSES.includes(status) ? t(`case_status_${status}`) : status;
}

export function roleText(role, t) {
  return t(`role_${ROLES.has(role) ? role : "other"}`);
}

export function statusBadge(status, t) {
  return el("span", { class: "case-badge", dataset: { status } }, statusText(status, t));
}

// The server allows a handover's own counselor and supervisors; for anyone else the
// buttons would only meet a 404.
export function mayHandle(handover, user) {
  if (!user) return false;
  if ((user.roles || []).includes("supervisor")) return true;
  return handover.counselor_id === user.id;
}

export function pdfLink(handover, env) {
  const lang = env.locale === "en" ? "?lang=en" : "";
  return el(
    "a",
    {
      class: "case-pdf",
      href: `/api/v1/handovers/${encodeURIComponent(handover.id)}/summary.pdf${lang}`,
      download: `overdracht-${handover.id}.pdf`,
    },
    env.t("case_pdf"),
  );
}

// The next step and "decline" for an open handover. onChanged(read) gets the handover as
// the server now has it, or null when it changed meanwhile and the caller should reload.
export function stepButtons(handover, env, onChanged, describedBy = null) {
  const t = env.t;
  const box = el("span", { class: "case-steps" });
  if (!OPEN.has(handover.status) || !mayHandle(handover, env.user)) return box;
  const next = NEXT[handover.status];
  const go = el(
    "button",
    { type: "button", class: "secondary case-step", dataset: { step: next }, "aria-describedby": describedBy },
    t(`case_step_${next}`),
  );
  const decline = el(
    "button",
    { type: "button", class: "danger case-step", dataset: { step: "declined" }, "aria-describedby": describedBy },
    t("case_step_declined"),
  );
  const run = async (status, button) => {
    if (status === "declined" && !window.confirm(t("case_step_confirm_declined"))) return;
    for (const b of box.querySelectorAll("button")) b.disabled = true;
    try {
      const read = await env.call(`/api/v1/handovers/${encodeURIComponent(handover.id)}/status`, {
        method: "POST",
        body: { status },
      });
      env.notice(t("case_step_done", { status: statusText(read.status, t) }));
      onChanged(read);
    } catch (error) {
      for (const b of box.querySelectorAll("button")) b.disabled = false;
      if (error instanceof HttpError && error.status === 401) return;
      if (error instanceof HttpError && (error.status === 409 || error.status === 404)) {
        env.notice(t("case_step_conflict"));
        onChanged(null);
        return;
      }
      env.notice(t("case_step_failed"));
      button.focus();
    }
  };
  go.addEventListener("click", () => run(next, go));
  decline.addEventListener("click", () => run("declined", decline));
  box.append(go, decline);
  return box;
}

function counted(count, t, prefix) {
  if (count === 0) return t(`${prefix}_none`);
  return count === 1 ? t(`${prefix}_one`) : t(`${prefix}_count`, { count });
}

// The view -----------------------------------------------------------------------------------

function options(select, items, anyText) {
  const value = select.value;
  select.replaceChildren(el("option", { value: "" }, anyText));
  for (const [code, text] of items) select.append(el("option", { value: code }, text));
  if ([...select.options].some((option) => option.value === value)) select.value = value;
}

export function mountHandoverView(container, env) {
  const t = env.t;
  const supervisor = (env.user?.roles || []).includes("supervisor");

  const title = el("h2", { id: "handovers-title", class: "case-view-title", tabindex: "-1" }, t("case_view_title"));
  const region = el("select", { id: "handovers-region", name: "region" });
  const status = el("select", { id: "handovers-status", name: "status" });
  options(status, STATUSES.map((code) => [code, statusText(code, t)]), t("case_any"));
  options(region, [], t("case_any"));
  const filters = el(
    "form",
    { class: "case-filters", "aria-label": t("case_view_filters") },
    el("div", { class: "case-field" }, el("label", { for: region.id }, t("case_label_region")), region),
    el("div", { class: "case-field" }, el("label", { for: status.id }, t("case_col_status")), status),
  );
  const listStatus = el("p", { class: "case-status", role: "status", id: "handovers-count" });
  const body = el("tbody");
  const table = el(
    "table",
    { class: "case-table", "aria-labelledby": "handovers-title", "aria-describedby": "handovers-count" },
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ...["case_col_region", "case_col_contact", "case_col_status", "case_col_age", "case_col_step_age", "case_col_counselor", "case_col_actions"].map(
          (key) => el("th", { scope: "col" }, t(key)),
        ),
      ),
    ),
    body,
  );
  const handoverPart = el("div", { class: "case-view-part" }, title, filters, listStatus, table);
  container.classList.add("case-view");
  container.append(handoverPart);

  const merges = supervisor ? mergesPart(env) : null;
  if (merges) container.append(merges.element);
  const blocks = supervisor ? blocksPart(env) : null;
  if (blocks) container.append(blocks.element);

  let regionsLoaded = false;
  let generation = 0;

  async function loadRegions() {
    if (regionsLoaded) return;
    try {
      const regions = await env.call("/api/v1/regions");
      options(region, regions.map((r) => [r.code, labelText(r.label, env.locale)]), t("case_any"));
      regionsLoaded = true;
    } catch {
      // the list works without the filter; the next show() tries again
    }
  }

  async function load() {
    const mine = ++generation;
    const query = new URLSearchParams();
    if (region.value) query.set("region", region.value);
    if (status.value) query.set("status", status.value);
    const path = `/api/v1/handovers${query.toString() ? `?${query}` : ""}`;
    let rows;
    try {
      rows = await env.call(path);
    } catch (error) {
      if (mine !== generation) return;
      if (!(error instanceof HttpError && error.status === 401)) listStatus.textContent = t("case_load_failed");
      return;
    }
    if (mine !== generation) return;
    const focusedId = container.contains(document.activeElement)
      ? document.activeElement.closest("tr")?.dataset.handover
      : null;
    body.replaceChildren(...rows.map((row) => handoverRow(row)));
    listStatus.textContent = counted(rows.length, t, "case_view");
    show(table, rows.length > 0);
    if (focusedId) {
      const row = body.querySelector(`tr[data-handover="${CSS.escape(focusedId)}"]`);
      (row?.querySelector("button, a") || title).focus();
    }
  }

  function handoverRow(row) {
    const nameId = domId("handover-name", row.id);
    const contact = el(
      "td",
      {},
      el("span", { id: nameId, class: "case-name" }, row.contact.name),
      el("span", { class: "case-sub" }, roleText(row.contact.role, t)),
      el("span", { class: "case-sub" }, row.contact.reach),
    );
    const actions = el("div", { class: "case-row-actions" });
    const tr = el(
      "tr",
      { dataset: { handover: String(row.id), status: row.status } },
      el("td", {}, labelText(row.region_label, env.locale) || row.region),
      contact,
      el("td", {}, statusBadge(row.status, t)),
      el("td", { class: "case-num" }, ageText(row.age_seconds, t)),
      el("td", { class: "case-num" }, ageText(sinceSeconds(row.status_at), t)),
      el("td", {}, row.counselor || t("case_unknown_counselor")),
      el("td", {}, actions),
    );
    actions.append(
      stepButtons(row, env, () => load(), nameId),
      mayHandle(row, env.user) ? pdfLink(row, env) : "",
    );
    return tr;
  }

  region.addEventListener("change", load);
  status.addEventListener("change", load);
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });

  return {
    show() {
      loadRegions();
      load();
      if (merges) merges.load();
      if (blocks) blocks.load();
    },
  };
}

// Blocks in force (supervisors): who blocked whom until when and why, and lifting one.
// Reading the list is in the access log, as the reasons are staff text about chatters.
function blocksPart(env) {
  const t = env.t;
  const title = el("h2", { id: "blocks-title", class: "case-view-title", tabindex: "-1" }, t("case_blocks"));
  const intro = el("p", { class: "case-intro" }, t("case_blocks_intro"));
  const listStatus = el("p", { class: "case-status", role: "status", id: "blocks-count" });
  const body = el("tbody");
  const table = el(
    "table",
    { class: "case-table", "aria-labelledby": "blocks-title", "aria-describedby": "blocks-count" },
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ...["case_col_chat", "case_col_blocked_by", "case_col_until", "case_col_reason", "case_col_actions"].map(
          (key) => el("th", { scope: "col" }, t(key)),
        ),
      ),
    ),
    body,
  );
  const element = el("div", { class: "case-view-part", id: "blocks" }, title, intro, listStatus, table);
  let generation = 0;

  async function load() {
    const mine = ++generation;
    let rows;
    try {
      rows = await env.call("/api/v1/blocks");
    } catch (error) {
      if (mine !== generation) return;
      if (!(error instanceof HttpError && error.status === 401)) listStatus.textContent = t("case_load_failed");
      return;
    }
    if (mine !== generation) return;
    body.replaceChildren(...rows.map(blockRow));
    listStatus.textContent = counted(rows.length, t, "case_blocks");
    show(table, rows.length > 0);
  }

  function blockRow(block) {
    const codeId = domId("block-code", block.id);
    const code = block.conversation ? shortCode(block.conversation) : "";
    const button = el("button", { type: "button", class: "secondary case-lift", "aria-describedby": codeId }, t("case_lift"));
    button.addEventListener("click", () => lift(block, code, button));
    return el(
      "tr",
      { dataset: { block: block.id } },
      el("td", { id: codeId, class: "case-code", tabindex: "-1" }, code),
      el("td", {}, block.by || t("case_unknown_counselor")),
      el("td", {}, dateTime(block.until, env.locale)),
      el("td", {}, block.reason),
      el("td", {}, el("div", { class: "case-row-actions" }, button)),
    );
  }

  async function lift(block, code, button) {
    if (!window.confirm(t("case_lift_confirm", { code }))) return;
    button.disabled = true;
    try {
      await env.call(`/api/v1/blocks/${encodeURIComponent(block.id)}/lift`, { method: "POST" });
      env.notice(t("case_lift_done", { code }));
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) return;
      env.notice(t("case_lift_failed"));
      button.disabled = false;
      button.focus();
      return;
    }
    await load();
    title.focus();
  }

  return { element, load: () => load() };
}

function mergesPart(env) {
  const t = env.t;
  const title = el("h2", { id: "merges-title", class: "case-view-title", tabindex: "-1" }, t("case_merges"));
  const intro = el("p", { class: "case-intro" }, t("case_merges_intro"));
  const listStatus = el("p", { class: "case-status", role: "status", id: "merges-count" });
  const body = el("tbody");
  const table = el(
    "table",
    { class: "case-table", "aria-labelledby": "merges-title", "aria-describedby": "merges-count" },
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ...["case_col_chat", "case_col_duplicate_of", "case_col_by", "case_col_when", "case_col_undone", "case_col_actions"].map(
          (key) => el("th", { scope: "col" }, t(key)),
        ),
      ),
    ),
    body,
  );
  const element = el("div", { class: "case-view-part", id: "merges" }, title, intro, listStatus, table);
  let generation = 0;

  async function load(focusAfter = null) {
    const mine = ++generation;
    let rows;
    try {
      rows = await env.call("/api/v1/merges");
    } catch (error) {
      if (mine !== generation) return;
      if (!(error instanceof HttpError && error.status === 401)) listStatus.textContent = t("case_load_failed");
      return;
    }
    if (mine !== generation) return;
    body.replaceChildren(...rows.map(mergeRow));
    listStatus.textContent = counted(rows.length, t, "case_merges");
    show(table, rows.length > 0);
    if (focusAfter !== null) {
      const row = body.querySelector(`tr[data-merge="${CSS.escape(String(focusAfter))}"]`);
      (row?.querySelector("td") || title).focus();
    }
  }

  function mergeRow(merge) {
    const codeId = domId("merge-code", merge.id);
    const undone = merge.undone_at
      ? t("case_undone_by", {
          when: dateTime(merge.undone_at, env.locale),
          name: merge.undone_by || t("case_unknown_counselor"),
        })
      : t("case_not_undone");
    const actions = el("div", { class: "case-row-actions" });
    if (!merge.undone_at) {
      const button = el("button", { type: "button", class: "secondary case-undo", "aria-describedby": codeId }, t("case_undo"));
      button.addEventListener("click", () => undo(merge, button));
      actions.append(button);
    }
    return el(
      "tr",
      { dataset: { merge: String(merge.id), undone: merge.undone_at ? "true" : "false" } },
      el("td", { id: codeId, class: "case-code", tabindex: "-1" }, shortCode(merge.conversation)),
      el("td", { class: "case-code" }, shortCode(merge.duplicate_of)),
      el("td", {}, merge.by || t("case_unknown_counselor")),
      el("td", {}, dateTime(merge.at, env.locale)),
      el("td", {}, undone),
      el("td", {}, actions),
    );
  }

  async function undo(merge, button) {
    const code = shortCode(merge.conversation);
    if (!window.confirm(t("case_undo_confirm", { code }))) return;
    button.disabled = true;
    try {
      await env.call(`/api/v1/merges/${encodeURIComponent(merge.id)}/undo`, { method: "POST" });
      env.notice(t("case_undo_done", { code }));
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) return;
      if (error instanceof HttpError && error.code === "already_undone") env.notice(t("case_undo_already"));
      else {
        env.notice(t("case_undo_failed"));
        button.disabled = false;
        button.focus();
        return;
      }
    }
    await load(merge.id);
  }

  return { element, load: () => load() };
}
