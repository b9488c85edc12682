// The registration form beside each conversation (docs/protocol.md, "Registration,
// returning chatters, duplicates and handovers").
//
// The form is built from the taxonomy (fetched once per console load) and saves itself:
// every change sends the whole form (PUT) about 700 ms after the last change, at once when
// the counselor leaves the tab or the chat ends. An edit is never dropped: a failed save
// keeps the values on screen, says so, and is tried again on the next change, after a
// while, and when the console reconnects. One save is in flight at a time, so answers
// never arrive out of order.
//
// console.js places the form (and `alertElement`, the escalation protocol, above the
// transcript) and tells it when the chat ends. Everything shown is text (dom.js el()).

import { HttpError } from "./socket.js";
import { el, clockTime } from "./dom.js";
import { loadTaxonomy } from "./taxonomy.js";

const SINGLE = ["outcome", "visitor", "age_band", "region", "crime_involvement"];
const MULTIPLE = ["crime_forms", "other_problems", "signals", "help_questions", "help_offered", "safety"];
// The order on screen: crime forms and signals follow the question they depend on.
const ORDER = [
  "outcome",
  "visitor",
  "age_band",
  "region",
  "crime_involvement",
  "crime_forms",
  "signals",
  "other_problems",
  "help_questions",
  "help_offered",
  "safety",
];
const CRIME_LISTS = new Set(["crime_forms", "signals"]);
const SHOWS_CRIME = new Set(["yes", "unclear"]);
const ACUTE = "acute_danger";
const SAVE_AFTER_MS = 700;
const RETRY_AFTER_MS = 10000;
const WIDE_LABEL = 26; // a list with a label longer than this gets one column


function fieldsOf(source) {
  const fields = {};
  for (const name of SINGLE) fields[name] = source?.[name] ?? null;
  for (const name of MULTIPLE) fields[name] = Array.isArray(source?.[name]) ? source[name].slice() : [];
  fields.notes = source?.notes ?? "";
  return fields;
}

function same(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return [...(a || [])].sort().join("\n") === [...(b || [])].sort().join("\n");
  }
  return (a ?? null) === (b ?? null);
}

function seconds(total) {
  if (total === null || total === undefined) return null;
  const s = String(total % 60).padStart(2, "0");
  const m = Math.floor(total / 60);
  if (m < 60) return `${m}:${s}`;
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}:${s}`;
}

function safeId(text) {
  return text.replace(/[^A-Za-z0-9_-]/g, "");
}

// conv: {id, ended}. env: {call, t, locale, carried (unsaved values from before a lost
// session, or null), onSaved(read) (after every answer of the server), onComplete(id),
// onReloaded(), onEscape(), onEscalation()}.
export function registrationForm(conv, env) {
  return new RegistrationForm(conv, env);
}

class RegistrationForm {
  constructor(conv, env) {
    this.id = conv.id;
    this.env = env;
    this.t = env.t;
    this.chatEnded = Boolean(conv.ended);
    this.prefix = `reg-${safeId(conv.id)}`;
    this.taxonomy = null;
    this.version = null;
    this.read = null; // the last answer of the server
    this.base = null; // the fields as the server last had them (for merging a reload)
    this.loaded = false;
    this.loading = null;
    this.edits = 0; // bumps on every change
    this.savedEdits = 0; // the edits the server has
    this.timer = null;
    this.retryTimer = null;
    this.inflight = null;
    this.again = false;
    this.completing = false;
    this.versionRetried = false;
    this.groups = new Map(); // list -> {fieldset, error, inputs}
    this.build();
    this.load();
  }

  // The frame: heading, state, status line; the fields go into `this.body` once loaded.
  build() {
    const t = this.t;
    const headingId = `${this.prefix}-title`;
    this.heading = el("h4", { id: headingId, tabindex: "-1" }, t("reg_title"));
    this.stateBadge = el("span", { class: "reg-state" });
    this.statusLine = el("p", { class: "reg-status", role: "status" });
    this.loadingLine = el("p", { class: "reg-loading" }, t("reg_loading"));
    this.retryButton = el("button", { type: "button", class: "secondary", hidden: true }, t("reg_load_retry"));
    this.retryButton.addEventListener("click", () => this.load());
    this.body = el("div", { class: "reg-body" });
    this.form = el("form", { class: "reg-form", novalidate: true, "aria-labelledby": headingId }, this.body);
    this.form.addEventListener("submit", (event) => event.preventDefault());
    this.form.addEventListener("keydown", (event) => this.onKey(event));
    this.element = el(
      "section",
      { class: "registration", "aria-labelledby": headingId, dataset: { conversation: this.id } },
      el("div", { class: "reg-head" }, this.heading, this.stateBadge, this.statusLine),
      this.loadingLine,
      this.retryButton,
      this.form,
    );

    // The escalation protocol: console.js puts it above the transcript, where it is seen.
    this.protocolText = el("p", { class: "protocol" });
    this.alertElement = el(
      "div",
      { class: "escalation", role: "alert", hidden: true, dataset: { conversation: this.id } },
      el("p", { class: "escalation-title" }, t("reg_escalation_title")),
      this.protocolText,
      el("p", { class: "escalation-alerted" }, t("reg_supervisors_alerted")),
    );
  }

  async load() {
    if (this.loading) return this.loading;
    this.loadingLine.textContent = this.t("reg_loading");
    this.retryButton.hidden = true;
    this.loading = (async () => {
      try {
        const path = `/api/v1/conversations/${encodeURIComponent(this.id)}/registration`;
        let [taxonomy, read] = await Promise.all([loadTaxonomy(this.env.call), this.env.call(path)]);
        if (read.current_version !== taxonomy.version) {
          taxonomy = await loadTaxonomy(this.env.call, { fresh: true });
        }
        this.taxonomy = taxonomy;
        this.version = taxonomy.version;
        let values = fieldsOf(read);
        const carried = this.env.carried;
        if (carried) {
          values = { ...values, ...fieldsOf(carried) };
          this.edits += 1;
        }
        this.accept(read);
        this.render(values);
        this.loaded = true;
        this.env.onSaved?.(read);
        this.loadingLine.hidden = true;
        this.form.hidden = false;
        this.showSavedState();
        if (carried) this.save();
        else if (this.chatEnded && read.status === "draft" && read.derived?.duration_seconds === null) {
          // Saved while the chat ran: save once more so the duration is filled in.
          this.save({ force: true });
        }
      } catch (error) {
        if (error instanceof HttpError && error.status === 401) return;
        this.loadingLine.hidden = false;
        this.loadingLine.textContent = this.t("reg_load_failed");
        this.retryButton.hidden = false;
        this.form.hidden = true;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  // The server's answer: state, derived facts, escalation. The fields on screen are left
  // alone (the counselor may have typed on meanwhile) unless `render` is called.
  accept(read) {
    const wasAcute = Boolean(this.read?.escalation);
    this.read = read;
    this.base = fieldsOf(read);
    this.renderState();
    this.renderDerived();
    const text = read.escalation ? read.escalation[this.env.locale] || read.escalation.nl || "" : "";
    this.protocolText.textContent = text;
    this.alertElement.hidden = !read.escalation;
    // A sound when the counselor's own save turned it on, not when a form opens with it.
    if (read.escalation && !wasAcute && this.loaded) this.env.onEscalation?.();
    this.renderDuplicate();
  }

  // Building the fields ---------------------------------------------------------------------

  render(values) {
    const t = this.t;
    const focused = this.form.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = focused ? focused.dataset.key : null;
    this.groups.clear();
    this.derivedList = el("dl", { class: "derived-list" });
    const derived = el(
      "section",
      { class: "derived", "aria-labelledby": `${this.prefix}-derived` },
      el("h5", { id: `${this.prefix}-derived` }, t("reg_derived_title")),
      this.derivedList,
    );
    const parts = [el("p", { class: "hint reg-intro" }, t("reg_intro")), derived];
    for (const list of ORDER) {
      const items = this.taxonomy.lists[list];
      if (!items) continue;
      parts.push(this.group(list, items, values));
    }
    parts.push(this.notesField(values.notes));
    parts.push(this.actions());
    this.body.replaceChildren(...parts);
    this.renderDerived();
    this.renderCrime();
    this.renderDuplicate();
    this.renderActions();
    if (focusKey) {
      const again = this.form.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
      if (again && !again.closest("[hidden]")) again.focus();
    }
  }

  label(item) {
    return item.label?.[this.env.locale] || item.label?.nl || item.code;
  }

  group(list, items, values) {
    const t = this.t;
    const multiple = this.taxonomy.multiple.includes(list);
    const held = values[list];
    const isHeld = (code) => (multiple ? held.includes(code) : held === code);
    // Retired codes stay only where this form holds them already.
    const offered = items.filter((item) => !item.retired || isHeld(item.code));
    const legendId = `${this.prefix}-${list}-legend`;
    const hintId = `${this.prefix}-${list}-hint`;
    const errorId = `${this.prefix}-${list}-error`;
    const hintText = t(`reg_hint_${list}`);
    const hint = hintText && hintText !== `reg_hint_${list}` ? el("p", { class: "hint", id: hintId }, hintText) : null;
    const error = el("p", { class: "field-error", id: errorId, hidden: true });
    const wide = offered.some((item) => this.label(item).length > WIDE_LABEL);
    const options = el("div", { class: wide ? "options wide" : "options" });
    const inputs = [];
    offered.forEach((item, index) => {
      const id = `${this.prefix}-${list}-${safeId(item.code)}`;
      const input = el("input", {
        type: multiple ? "checkbox" : "radio",
        id,
        name: `${this.prefix}-${list}`,
        value: item.code,
        dataset: { key: `${list}:${item.code}` },
      });
      input.checked = isHeld(item.code);
      if (multiple) input.tabIndex = index === 0 ? 0 : -1;
      input.addEventListener("change", () => this.changed(list, input));
      inputs.push(input);
      const text = this.label(item) + (item.retired ? ` ${t("reg_retired")}` : "");
      options.append(el("div", { class: "option" }, input, el("label", { for: id }, text)));
    });
    if (multiple) {
      // One Tab stop per group, like the radio groups: arrows move, Space ticks.
      const start = inputs.find((input) => input.checked) || inputs[0];
      for (const input of inputs) input.tabIndex = input === start ? 0 : -1;
      options.addEventListener("keydown", (event) => this.roam(event, inputs));
      options.addEventListener("focusin", (event) => {
        if (!inputs.includes(event.target)) return;
        for (const input of inputs) input.tabIndex = input === event.target ? 0 : -1;
      });
    }
    const describedBy = [hint ? hintId : null, errorId].filter(Boolean).join(" ");
    const fieldset = el(
      "fieldset",
      {
        class: multiple ? "reg-group checks" : "reg-group radios",
        dataset: { list },
        "aria-describedby": describedBy,
      },
      el("legend", { id: legendId }, t(`reg_list_${list}`)),
      hint,
      error,
      options,
    );
    this.groups.set(list, { fieldset, error, inputs, multiple });
    return fieldset;
  }

  roam(event, inputs) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const visible = inputs.filter((input) => !input.disabled);
    const index = visible.indexOf(document.activeElement);
    if (index < 0) return;
    let next = null;
    if (event.key === "ArrowDown" || event.key === "ArrowRight") next = visible[(index + 1) % visible.length];
    else if (event.key === "ArrowUp" || event.key === "ArrowLeft") next = visible[(index - 1 + visible.length) % visible.length];
    else if (event.key === "Home") next = visible[0];
    else if (event.key === "End") next = visible[visible.length - 1];
    if (!next) return;
    event.preventDefault();
    next.focus();
  }

  notesField(notes) {
    const t = this.t;
    const id = `${this.prefix}-notes`;
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    this.notes = el("textarea", {
      id,
      rows: "4",
      maxlength: "4000",
      "aria-describedby": `${hintId} ${errorId}`,
      dataset: { key: "notes" },
    });
    this.notes.value = notes || "";
    this.notes.addEventListener("input", () => this.changed("notes", this.notes));
    const error = el("p", { class: "field-error", id: errorId, hidden: true });
    const wrap = el(
      "div",
      { class: "reg-notes", dataset: { list: "notes" } },
      el("label", { for: id }, t("reg_list_notes")),
      el("p", { class: "hint", id: hintId }, t("reg_hint_notes")),
      error,
      this.notes,
    );
    this.groups.set("notes", { fieldset: wrap, error, inputs: [this.notes], multiple: false, field: this.notes });
    return wrap;
  }

  actions() {
    const t = this.t;
    const hintId = `${this.prefix}-complete-hint`;
    this.completeButton = el(
      "button",
      { type: "button", class: "primary reg-complete", "aria-describedby": hintId },
      t("reg_complete"),
    );
    this.completeButton.addEventListener("click", () => this.complete());
    this.completeHint = el("p", { class: "hint", id: hintId });
    this.actionError = el("p", { class: "field-error", role: "alert", hidden: true });
    this.completeNote = el("p", { class: "reg-done", tabindex: "-1", hidden: true });
    return el("div", { class: "reg-actions" }, this.actionError, this.completeNote, this.completeButton, this.completeHint);
  }

  renderDerived() {
    if (!this.derivedList || !this.read) return;
    const t = this.t;
    const d = this.read.derived || {};
    const yes = (value) => t(value ? "reg_yes" : "reg_no");
    let source = t("reg_source_organic");
    if (d.source === "campaign") {
      source = d.campaign_ref ? t("reg_source_campaign_code", { code: d.campaign_ref }) : t("reg_source_campaign");
    }
    const rows = [
      [t("reg_derived_source"), source],
      [t("reg_derived_account"), yes(d.has_account)],
      [t("reg_derived_wrote"), yes(d.chatter_sent_message)],
      [t("reg_derived_wait"), seconds(d.wait_seconds) ?? t("reg_unknown")],
      [t("reg_derived_duration"), seconds(d.duration_seconds) ?? (this.chatEnded ? t("reg_unknown") : t("reg_running"))],
      [t("reg_derived_earlier"), String(d.earlier_conversations ?? 0)],
    ];
    this.derivedList.replaceChildren(
      ...rows.map(([name, value]) => el("div", {}, el("dt", {}, name), el("dd", {}, value))),
    );
  }

  renderState() {
    const t = this.t;
    const status = this.read?.status || "new";
    this.stateBadge.textContent = t(`reg_state_${status}`);
    this.stateBadge.dataset.status = status;
    this.element.dataset.status = status;
    this.renderActions();
  }

  renderActions() {
    if (!this.completeButton || !this.read) return;
    const t = this.t;
    const complete = this.read.status === "complete";
    this.completeButton.hidden = complete;
    this.completeButton.disabled = !this.chatEnded;
    this.completeHint.hidden = complete;
    this.completeHint.textContent = this.chatEnded ? t("reg_complete_hint") : t("reg_complete_after_end");
    this.completeNote.hidden = !complete;
    if (complete) {
      const time = this.read.completed_at ? clockTime(this.read.completed_at, this.env.locale) : "";
      this.completeNote.textContent = t("reg_done", { time });
    }
  }

  // Crime forms and signals only matter when crime plays a part (yes or unclear).
  renderCrime() {
    const crime = this.single("crime_involvement");
    for (const list of CRIME_LISTS) {
      const group = this.groups.get(list);
      if (group) group.fieldset.hidden = !SHOWS_CRIME.has(crime);
    }
  }

  // "Duplicate" is set by marking the earlier conversation in the case tools, so it can
  // only be picked here once that is done.
  renderDuplicate() {
    const group = this.groups.get("outcome");
    if (!group) return;
    const input = group.inputs.find((candidate) => candidate.value === "duplicate");
    if (input) input.disabled = !this.read?.duplicate_of && !input.checked;
  }

  // Values ----------------------------------------------------------------------------------

  single(list) {
    const group = this.groups.get(list);
    if (!group) return null;
    const checked = group.inputs.find((input) => input.checked);
    return checked ? checked.value : null;
  }

  values() {
    if (!this.loaded) return this.read ? { taxonomy_version: this.read.taxonomy_version, ...fieldsOf(this.read) } : null;
    const values = { taxonomy_version: this.version };
    for (const list of SINGLE) values[list] = this.groups.has(list) ? this.single(list) : this.base[list];
    for (const list of MULTIPLE) {
      const group = this.groups.get(list);
      values[list] = group ? group.inputs.filter((input) => input.checked).map((input) => input.value) : this.base[list];
    }
    // What is hidden does not count: crime forms and signals without crime involved.
    if (!SHOWS_CRIME.has(values.crime_involvement)) {
      for (const list of CRIME_LISTS) values[list] = [];
    }
    values.notes = this.notes ? this.notes.value : this.base.notes;
    return values;
  }

  dirty() {
    return this.edits !== this.savedEdits;
  }

  status() {
    return this.read?.status || "new";
  }

  // Saving ----------------------------------------------------------------------------------

  changed(list, input) {
    this.edits += 1;
    this.clearError(list);
    if (list === "crime_involvement") this.renderCrime();
    clearTimeout(this.timer);
    // Acute danger alerts the supervisors: no waiting for that one.
    const now = list === "safety" && input.value === ACUTE && input.checked;
    this.timer = setTimeout(() => this.save(), now ? 0 : SAVE_AFTER_MS);
  }

  // Saves now if anything is unsaved (the counselor leaves the tab, the chat ends).
  flush({ keepalive = false } = {}) {
    if (!this.loaded) return Promise.resolve();
    if (this.timer || this.dirty()) return this.save({ keepalive });
    return this.inflight || Promise.resolve();
  }

  retry() {
    if (!this.loaded) return this.load();
    if (this.dirty()) return this.save();
    return Promise.resolve();
  }

  save({ force = false, keepalive = false } = {}) {
    clearTimeout(this.timer);
    this.timer = null;
    clearTimeout(this.retryTimer);
    if (!this.loaded) return Promise.resolve();
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    if (!force && !this.dirty()) return Promise.resolve();
    const edits = this.edits;
    const body = this.values();
    this.inflight = (async () => {
      try {
        const read = await this.env.call(`/api/v1/conversations/${encodeURIComponent(this.id)}/registration`, {
          method: "PUT",
          body,
          keepalive,
        });
        this.savedEdits = Math.max(this.savedEdits, edits);
        this.versionRetried = false;
        this.accept(read);
        this.showSavedState();
        this.env.onSaved?.(read);
      } catch (error) {
        await this.saveFailed(error);
      } finally {
        this.inflight = null;
      }
      if (this.again) {
        this.again = false;
        if (this.dirty()) await this.save();
      }
    })();
    return this.inflight;
  }

  async saveFailed(error) {
    const t = this.t;
    if (error instanceof HttpError && error.status === 401) return; // the console logs in again
    if (error instanceof HttpError && error.code === "taxonomy_version" && !this.versionRetried) {
      // A new version of the lists was loaded: rebuild the form with it, keep the values.
      this.versionRetried = true;
      try {
        const values = this.values();
        this.taxonomy = await loadTaxonomy(this.env.call, { fresh: true });
        this.version = this.taxonomy.version;
        this.render(values);
        this.again = true;
        return;
      } catch {
        // fall through: said below, tried again later
      }
    }
    let reason;
    if (!(error instanceof HttpError)) reason = t("reg_reason_network");
    else if (error.field && this.groups.has(error.field)) {
      this.showError(error.field, t(error.code === "retired_code" ? "reg_error_retired" : "reg_error_unknown"));
      reason = t("reg_reason_field");
    } else if (error.status === 404) reason = t("reg_reason_gone");
    else if (error.status >= 500) reason = t("reg_reason_server");
    else reason = error.message;
    this.statusLine.textContent = t("reg_save_failed", { reason });
    this.statusLine.dataset.state = "failed";
    if (!(error instanceof HttpError && (error.field || error.status === 404))) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.retry(), RETRY_AFTER_MS);
    }
  }

  showSavedState() {
    const t = this.t;
    const read = this.read;
    this.statusLine.dataset.state = "saved";
    if (!read || read.status === "new") this.statusLine.textContent = t("reg_not_saved_yet");
    else {
      const time = read.updated_at ? clockTime(read.updated_at, this.env.locale) : "";
      this.statusLine.textContent = t(read.status === "complete" ? "reg_saved_complete" : "reg_saved", { time });
    }
  }

  // The chat ended: finishing is possible now; what is unsaved goes at once (and a saved
  // draft once more, so the server fills in the duration).
  ended() {
    if (this.chatEnded) return;
    this.chatEnded = true;
    this.renderActions();
    this.renderDerived();
    if (this.loaded && (this.dirty() || this.read?.status !== "new")) this.save({ force: true });
  }

  // Fetch the form again (the case tools changed it on the server). What the server
  // changed wins; what the counselor changed that the server did not, stays, and is saved.
  async reload() {
    if (!this.loaded) {
      await this.load();
      this.env.onReloaded?.();
      return;
    }
    clearTimeout(this.timer);
    this.timer = null;
    if (this.inflight) await this.inflight.catch(() => {});
    const read = await this.env.call(`/api/v1/conversations/${encodeURIComponent(this.id)}/registration`);
    if (read.current_version !== this.version) {
      this.taxonomy = await loadTaxonomy(this.env.call, { fresh: true });
      this.version = this.taxonomy.version;
    }
    const local = this.values();
    const base = this.base;
    const remote = fieldsOf(read);
    const merged = {};
    let differs = false;
    for (const name of Object.keys(remote)) {
      merged[name] = same(remote[name], base[name]) ? local[name] : remote[name];
      if (!same(merged[name], remote[name])) differs = true;
    }
    this.accept(read);
    this.render(merged);
    if (differs) {
      this.edits += 1;
      this.save();
    } else {
      this.savedEdits = this.edits;
      this.showSavedState();
    }
    this.env.onReloaded?.();
  }

  // Finishing -------------------------------------------------------------------------------

  async complete() {
    const t = this.t;
    if (!this.loaded || !this.chatEnded || this.completing) return;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.inflight) await this.inflight.catch(() => {});
    this.completing = true;
    this.completeButton.setAttribute("aria-disabled", "true");
    this.actionError.hidden = true;
    const edits = this.edits;
    const body = this.values();
    try {
      const read = await this.env.call(
        `/api/v1/conversations/${encodeURIComponent(this.id)}/registration/complete`,
        { method: "POST", body },
      );
      this.savedEdits = Math.max(this.savedEdits, edits);
      this.clearAllErrors();
      this.accept(read);
      this.showSavedState();
      this.env.onSaved?.(read);
      this.env.onComplete?.(this.id);
      this.completeNote.focus();
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) return;
      if (error instanceof HttpError && error.code === "still_open") {
        this.showActionError(t("reg_still_open"));
      } else if (error instanceof HttpError && error.field) {
        const field = error.field === "duplicate_of" ? "outcome" : error.field;
        let text = t("reg_missing_one");
        if (error.field === "duplicate_of") text = t("reg_missing_duplicate");
        else if (this.groups.get(field)?.multiple) text = t("reg_missing_some");
        if (error.code === "unknown_code") text = t("reg_error_unknown");
        if (error.code === "retired_code") text = t("reg_error_retired");
        if (this.groups.has(field)) {
          this.showError(field, text);
          this.focusField(field);
        } else {
          this.showActionError(t("reg_complete_failed", { reason: error.message }));
        }
      } else {
        const reason = error instanceof HttpError ? error.message : t("reg_reason_network");
        this.showActionError(t("reg_complete_failed", { reason }));
      }
      // Nothing was stored: keep the draft saving as before.
      if (this.dirty()) this.save();
    } finally {
      this.completing = false;
      this.completeButton.removeAttribute("aria-disabled");
    }
  }

  showActionError(text) {
    this.actionError.textContent = text;
    this.actionError.hidden = false;
  }

  showError(list, text) {
    const group = this.groups.get(list);
    if (!group) return;
    group.error.textContent = text;
    group.error.hidden = false;
    group.fieldset.setAttribute("aria-invalid", "true");
    group.fieldset.classList.add("invalid");
    if (group.field) group.field.setAttribute("aria-invalid", "true");
  }

  clearError(list) {
    const group = this.groups.get(list);
    if (group && !group.error.hidden) {
      group.error.hidden = true;
      group.error.textContent = "";
      group.fieldset.removeAttribute("aria-invalid");
      group.fieldset.classList.remove("invalid");
      if (group.field) group.field.removeAttribute("aria-invalid");
    }
    if (list === "outcome" || list === "safety") this.actionError.hidden = true;
  }

  clearAllErrors() {
    for (const list of this.groups.keys()) this.clearError(list);
    this.actionError.hidden = true;
  }

  // Focus -------------------------------------------------------------------------------

  focusField(list) {
    const group = this.groups.get(list);
    if (!group || group.fieldset.hidden) return false;
    const enabled = group.inputs.filter((input) => !input.disabled);
    const target = group.field || enabled.find((input) => input.checked) || enabled.find((input) => input.tabIndex === 0) || enabled[0];
    if (!target) return false;
    target.focus();
    target.scrollIntoView?.({ block: "nearest" });
    return true;
  }

  // Alt+R: the first question. A form still loading gets focus on its heading, and the
  // question once it is there (unless the counselor went elsewhere meanwhile).
  focusFirst() {
    if (this.loaded && this.focusField("outcome")) return;
    this.heading.focus();
    if (this.loading) {
      this.loading.then(() => {
        if (document.activeElement === this.heading) this.focusField("outcome");
      });
    }
  }

  onKey(event) {
    if (event.key === "Escape" && !event.altKey && !event.ctrlKey && !event.metaKey && !event.defaultPrevented) {
      event.preventDefault();
      this.env.onEscape?.();
    }
  }
}
