// The case tools in a conversation's side column, under the registration form:
// a returning chatter's earlier conversations (and, logged, their transcripts), marking
// this chat a duplicate of an earlier chatter, proposing a warm handover, and blocking a
// chatter who abuses the chat.
//
// Everything loads when its section is opened, except the history, which decides whether
// its own section shows. Nothing anyone typed (messages, summaries, names of contact
// persons) becomes markup: dom.js el() puts text in as text.

import { HttpError } from "./socket.js";
import { el, show, clockTime } from "./dom.js";
import { loadTaxonomy } from "./taxonomy.js";
import {
  ageText,
  dateTime,
  domId,
  labelText,
  pdfLink,
  roleText,
  statusBadge,
  stepButtons,
} from "./handovers.js";

// The labels the history and the duplicate search show of a registration, in this order.
const LABELS = ["outcome", "visitor", "age_band", "region", "crime_forms", "signals", "help_questions"];
const FILTERS = ["region", "age_band", "visitor"];
const DAYS = [7, 14, 30, 60, 90];
const SHARE = ["summary", "visitor", "age_band", "crime_forms", "signals", "help_questions", "safety"];
const SYSTEM_CODES = new Set(["counselor_joined", "ended_by_chatter", "ended_by_counselor", "quick_exit", "idle_warning", "idle_closed", "transferred", "requeued", "colleague_joined"]);
// Where a handover error belongs when the server does not name the field.
const ERROR_FIELDS = { consent_required: "consent", unknown_contact: "contact", missing: "summary", not_agreed: "summary" };
const BLOCK_PERIODS = ["1h", "24h", "7d"];

function taxonomy(env) {
  return loadTaxonomy(env.call);
}

function quiet(error) {
  return error instanceof HttpError && error.status === 401;
}

function section(kind, titleText, ...children) {
  return el(
    "details",
    { class: "case-section", dataset: { section: kind } },
    el("summary", {}, el("h4", { class: "case-title" }, titleText)),
    el("div", { class: "case-body" }, ...children),
  );
}

// A registration as a compact list of labels; empty fields are left out.
function labelsList(registration, env) {
  const t = env.t;
  const labels = registration?.labels || {};
  const rows = [];
  for (const name of LABELS) {
    const value = labels[name];
    const texts = (Array.isArray(value) ? value : value ? [value] : []).map((label) => labelText(label, env.locale));
    if (!texts.length) continue;
    rows.push(el("div", {}, el("dt", {}, t(`case_label_${name}`)), el("dd", {}, texts.join(", "))));
  }
  const status = registration?.status || "new";
  rows.push(el("div", {}, el("dt", {}, t("case_label_registration")), el("dd", {}, t(`case_reg_${status}`))));
  return el("dl", { class: "case-labels" }, ...rows);
}

function whenWho(item, env) {
  return env.t("case_when_by", {
    when: dateTime(item.created_at, env.locale),
    counselor: item.counselor || env.t("case_unknown_counselor"),
  });
}

export function caseTools(conv, env) {
  const t = env.t;
  const base = domId("case", conv.id);
  const path = `/api/v1/conversations/${encodeURIComponent(conv.id)}`;
  const registration = () => {
    try {
      return env.registration() || {};
    } catch {
      return {};
    }
  };

  const history = historySection();
  const duplicate = duplicateSection();
  const handover = handoverSection();
  const block = blockSection();
  const element = el(
    "div",
    { class: "case-tools", id: base, dataset: { conversation: conv.id } },
    history.details,
    duplicate.details,
    handover.details,
    block.details,
  );
  show(history.details, Boolean(conv.returning));
  history.load();

  // History ------------------------------------------------------------------------------

  function historySection() {
    const count = el("span", { class: "case-count" });
    const intro = el("p", { class: "case-intro" }, t("case_history_intro"));
    const account = el("p", { class: "case-intro", hidden: true }, t("case_history_account"));
    const status = el("p", { class: "case-status", role: "status" });
    const list = el("ol", { class: "case-list" });
    const logged = el("p", { class: "case-hint", id: `${base}-logged` }, t("case_read_logged"));
    const details = section("history", t("case_history"), intro, account, logged, status, list);
    details.querySelector(".case-title").append(" ", count);
    const items = new Map(); // earlier conversation id -> {li, meta}
    let generation = 0;

    async function load() {
      const mine = ++generation;
      let data;
      try {
        data = await env.call(`${path}/history`);
      } catch (error) {
        if (mine !== generation || quiet(error)) return;
        status.textContent = t("case_load_failed");
        return;
      }
      if (mine !== generation) return;
      status.textContent = "";
      const earlier = data.earlier || [];
      show(details, Boolean(conv.returning || data.returning || earlier.length));
      show(account, Boolean(data.has_account));
      count.textContent = earlier.length ? t("case_history_count", { count: earlier.length }) : "";
      if (!earlier.length) status.textContent = t("case_history_empty");
      const keep = new Set(earlier.map((item) => item.conversation));
      for (const [id, entry] of items) {
        if (!keep.has(id)) {
          entry.li.remove();
          items.delete(id);
        }
      }
      earlier.forEach((item, position) => {
        let entry = items.get(item.conversation);
        if (!entry) {
          entry = earlierItem(item);
          items.set(item.conversation, entry);
        }
        entry.meta.replaceChildren(
          el("p", { class: "case-line", id: entry.labelId }, whenWho(item, env)),
          labelsList(item.registration, env),
        );
        if (list.children[position] !== entry.li) list.insertBefore(entry.li, list.children[position] || null);
      });
    }

    function earlierItem(item) {
      const labelId = domId(`${base}-earlier`, item.conversation);
      const transcriptId = `${labelId}-transcript`;
      const meta = el("div", { class: "case-meta" });
      const button = el(
        "button",
        {
          type: "button",
          class: "secondary case-read",
          "aria-expanded": "false",
          "aria-controls": transcriptId,
          "aria-describedby": `${labelId} ${base}-logged`,
        },
        t("case_read"),
      );
      const log = el("ol", { class: "case-log" });
      const note = el("p", { class: "case-status", role: "status" });
      const transcript = el(
        "div",
        {
          class: "case-transcript",
          id: transcriptId,
          role: "region",
          tabindex: "0",
          "aria-label": t("case_transcript_of", { when: dateTime(item.created_at, env.locale) }),
          hidden: true,
        },
        note,
        log,
      );
      let loaded = false;
      let loading = false;
      button.addEventListener("click", async () => {
        const open = button.getAttribute("aria-expanded") === "true";
        if (open) {
          button.setAttribute("aria-expanded", "false");
          button.textContent = t("case_read");
          show(transcript, false);
          return;
        }
        button.setAttribute("aria-expanded", "true");
        button.textContent = t("case_read_hide");
        show(transcript, true);
        if (loaded || loading) return;
        loading = true;
        note.textContent = t("case_loading");
        try {
          const messages = await readTranscript(item.conversation);
          log.replaceChildren(...messages.map(messageNode));
          note.textContent = messages.length ? "" : t("case_transcript_empty");
          loaded = true;
        } catch (error) {
          if (error instanceof HttpError && error.status === 410) {
            note.textContent = t("case_transcript_purged", { days: env.retentionDays });
          } else if (!quiet(error)) note.textContent = t("case_transcript_failed");
        } finally {
          loading = false;
        }
      });
      // Retention deleted the text: nothing to open, and the list says so.
      const action = item.purged
        ? el("p", { class: "case-status" }, t("case_transcript_purged", { days: env.retentionDays }))
        : button;
      const li = el(
        "li",
        { dataset: { conversation: item.conversation } },
        meta,
        el("div", { class: "case-actions" }, action),
        transcript,
      );
      return { li, meta, labelId };
    }

    // Pages of the earlier transcript until the server says there is no more. Each page
    // request is audited on the server: reading an earlier chat is on the record.
    async function readTranscript(earlierId) {
      const messages = [];
      let after = 0;
      for (let pages = 0; pages < 200; pages += 1) {
        const page = await env.call(`${path}/history/${encodeURIComponent(earlierId)}/messages?after_seq=${after}`);
        messages.push(...page.messages);
        if (!page.more || !page.messages.length) break;
        after = page.messages[page.messages.length - 1].seq;
      }
      return messages;
    }

    return { details, load };
  }

  function messageNode(message) {
    const time = el("time", { datetime: message.created_at }, clockTime(message.created_at, env.locale));
    if (message.sender === "system") {
      const text = message.code && SYSTEM_CODES.has(message.code) ? t(`case_system_${message.code}`) : message.body;
      const data = { seq: String(message.seq) };
      if (message.code) data.code = message.code;
      return el(
        "li",
        { class: "system", dataset: data },
        el("span", { class: "text" }, text),
        " ",
        time,
      );
    }
    const who = message.sender === "chatter" ? t("case_sender_chatter") : t("case_sender_counselor");
    return el(
      "li",
      { class: message.sender === "chatter" ? "chatter" : "counselor", dataset: { seq: String(message.seq) } },
      el("div", { class: "meta" }, el("span", { class: "who" }, who), " ", time),
      el("p", { class: "body" }, message.body),
    );
  }

  // Duplicate ----------------------------------------------------------------------------

  function duplicateSection() {
    const selects = {};
    const days = el("select", { id: `${base}-days`, name: "days" });
    for (const n of DAYS) days.append(el("option", { value: String(n) }, t("case_dup_days_n", { days: n })));
    days.value = "30";
    const fields = [el("div", { class: "case-field" }, el("label", { for: days.id }, t("case_dup_days")), days)];
    for (const name of FILTERS) {
      const select = el("select", { id: `${base}-dup-${name}`, name }, el("option", { value: "" }, t("case_any")));
      selects[name] = select;
      fields.push(el("div", { class: "case-field" }, el("label", { for: select.id }, t(`case_label_${name}`)), select));
    }
    const search = el("button", { type: "submit", class: "secondary" }, t("case_dup_search"));
    const form = el("form", { class: "case-filters", "aria-label": t("case_dup_filters") }, ...fields, search);
    const status = el("p", { class: "case-status", role: "status", tabindex: "-1" });
    const results = el("ul", { class: "case-list case-results" });
    const details = section(
      "duplicate",
      t("case_duplicate"),
      el("p", { class: "case-intro" }, t("case_dup_intro")),
      el("p", { class: "case-hint" }, t("case_dup_hint")),
      form,
      status,
      results,
    );
    let ready = false; // the filters hold the taxonomy's options
    let touched = false; // the counselor changed a filter: keep their choice
    let generation = 0;

    for (const control of [days, ...Object.values(selects)]) {
      control.addEventListener("change", () => {
        touched = true;
      });
    }

    async function prepare() {
      if (ready) return true;
      try {
        const tax = await taxonomy(env);
        for (const name of FILTERS) {
          for (const item of tax.lists[name] || []) {
            if (item.retired) continue;
            selects[name].append(el("option", { value: item.code }, labelText(item.label, env.locale)));
          }
        }
        ready = true;
      } catch (error) {
        if (!quiet(error)) status.textContent = t("case_load_failed");
        return false;
      }
      defaults();
      return true;
    }

    // The filters start from what the registration says where it says something.
    function defaults() {
      if (!ready || touched) return;
      const reg = registration();
      for (const name of FILTERS) {
        const code = reg[name] || "";
        const select = selects[name];
        select.value = [...select.options].some((o) => o.value === code) ? code : "";
      }
    }

    async function find() {
      if (!(await prepare())) return;
      const mine = ++generation;
      const query = new URLSearchParams({ days: days.value });
      for (const name of FILTERS) if (selects[name].value) query.set(name, selects[name].value);
      status.textContent = t("case_loading");
      let found;
      try {
        found = await env.call(`${path}/duplicates?${query}`);
      } catch (error) {
        if (mine !== generation) return;
        status.textContent = quiet(error) ? "" : t("case_search_failed");
        return;
      }
      if (mine !== generation) return;
      results.replaceChildren(...found.map(candidate));
      if (!found.length) status.textContent = t("case_dup_none");
      else if (found.length === 1) status.textContent = t("case_dup_found_one");
      else status.textContent = t("case_dup_found", { count: found.length });
    }

    function candidate(item) {
      const labelId = domId(`${base}-candidate`, item.conversation);
      const button = el(
        "button",
        { type: "button", class: "secondary case-same", "aria-describedby": labelId },
        t("case_dup_same"),
      );
      button.addEventListener("click", () => mark(item, button));
      return el(
        "li",
        { dataset: { conversation: item.conversation } },
        el("div", { class: "case-meta" }, el("p", { class: "case-line", id: labelId }, whenWho(item, env)), labelsList(item.registration, env)),
        el("div", { class: "case-actions" }, button),
      );
    }

    async function mark(item, button) {
      const when = dateTime(item.created_at, env.locale);
      if (!window.confirm(t("case_dup_confirm", { when }))) return;
      button.disabled = true;
      try {
        await env.call(`${path}/duplicate`, { method: "POST", body: { of: item.conversation } });
      } catch (error) {
        button.disabled = false;
        if (quiet(error)) return;
        let text = t("case_dup_failed");
        if (error instanceof HttpError) {
          if (error.code === "same_chatter") text = t("case_dup_same_chatter");
          else if (error.code === "already_marked") text = t("case_dup_already");
          else if (error.code === "unknown_conversation" || error.status === 404) text = t("case_dup_gone");
        }
        status.textContent = text;
        status.focus();
        return;
      }
      const done = t("case_dup_done", { when });
      env.notice(done);
      try {
        await env.reloadRegistration();
      } catch {
        // the form says so itself when it cannot load
      }
      // The chatter counts as the earlier one now: they are returning, and the earlier
      // conversation drops out of the candidates.
      conv.returning = true;
      await Promise.all([history.load(), find()]);
      status.textContent = done;
      status.focus();
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      find();
    });
    let opened = false;
    details.addEventListener("toggle", () => {
      if (details.open && !opened) {
        opened = true;
        find();
      }
    });

    return { details, refresh: defaults };
  }

  // Handover -----------------------------------------------------------------------------

  function handoverSection() {
    const errors = {};
    const errorFor = (name) => {
      errors[name] = el("p", { class: "case-field-error", id: `${base}-ho-${name}-error`, hidden: true });
      return errors[name];
    };

    const region = el("select", { id: `${base}-ho-region`, name: "region", "aria-describedby": `${base}-ho-region-error` });
    region.append(el("option", { value: "" }, t("case_ho_choose_region")));
    const contacts = el("div", { class: "case-choices" });
    const noContacts = el("p", { class: "case-hint", hidden: true }, t("case_ho_no_contacts"));
    const contactSet = el(
      "fieldset",
      { class: "case-fieldset", "aria-describedby": `${base}-ho-contact-error` },
      el("legend", {}, t("case_ho_contact")),
      contacts,
      noContacts,
      errorFor("contact"),
    );
    const consent = el("input", {
      type: "checkbox",
      id: `${base}-ho-consent`,
      name: "consent",
      "aria-describedby": `${base}-ho-consent-error`,
    });
    const shareBoxes = {};
    const shareSet = el("fieldset", { class: "case-fieldset" }, el("legend", {}, t("case_ho_share")));
    const shareList = el("div", { class: "case-choices case-columns" });
    for (const name of SHARE) {
      const box = el("input", { type: "checkbox", id: `${base}-ho-share-${name}`, name: "share", value: name });
      shareBoxes[name] = box;
      shareList.append(el("div", { class: "case-check" }, box, el("label", { for: box.id }, t(`case_share_${name}`))));
    }
    shareSet.append(shareList);
    const summary = el("textarea", {
      id: `${base}-ho-summary`,
      name: "summary",
      rows: "4",
      maxlength: "4000",
      disabled: true,
      "aria-describedby": `${base}-ho-summary-hint ${base}-ho-summary-error`,
    });
    const propose = el("button", { type: "submit", class: "primary" }, t("case_ho_propose"));
    const status = el("p", { class: "case-status", role: "status", tabindex: "-1" });
    const form = el(
      "form",
      { class: "case-handover-form", novalidate: true, "aria-label": t("case_handover") },
      el("div", { class: "case-field" }, el("label", { for: region.id }, t("case_label_region")), region, errorFor("region")),
      contactSet,
      el(
        "div",
        { class: "case-check case-consent" },
        consent,
        el("label", { for: consent.id }, t("case_ho_consent")),
      ),
      errorFor("consent"),
      shareSet,
      el(
        "div",
        { class: "case-field" },
        el("label", { for: summary.id }, t("case_ho_summary")),
        summary,
        el("p", { class: "case-hint", id: `${base}-ho-summary-hint` }, t("case_ho_summary_hint")),
        errorFor("summary"),
      ),
      el("div", { class: "case-actions" }, propose),
      status,
    );
    const listTitleId = `${base}-ho-list`;
    const listStatus = el("p", { class: "case-status" });
    const list = el("ul", { class: "case-list case-handovers", "aria-labelledby": listTitleId });
    const details = section(
      "handover",
      t("case_handover"),
      el("p", { class: "case-intro" }, t("case_ho_intro")),
      form,
      el("h5", { class: "case-subtitle", id: listTitleId }, t("case_ho_list")),
      listStatus,
      list,
    );

    let regions = [];
    let ready = false;
    let touched = false;
    let handovers = [];

    shareBoxes.summary.addEventListener("change", () => {
      summary.disabled = !shareBoxes.summary.checked;
      clearError("summary");
    });
    region.addEventListener("change", () => {
      touched = true;
      renderContacts();
      clearError("region");
    });
    contacts.addEventListener("change", () => clearError("contact"));
    consent.addEventListener("change", () => clearError("consent"));
    summary.addEventListener("input", () => clearError("summary"));

    function renderContacts() {
      const chosen = contacts.querySelector("input:checked")?.value;
      const found = regions.find((r) => r.code === region.value);
      const active = (found?.contacts || []).filter((c) => c.active);
      contacts.replaceChildren(
        ...active.map((c) => {
          const id = `${base}-ho-contact-${c.id}`;
          const reachId = `${id}-reach`;
          const radio = el("input", {
            type: "radio",
            id,
            name: `${base}-contact`,
            value: String(c.id),
            "aria-describedby": reachId,
          });
          if (String(c.id) === chosen || active.length === 1) radio.checked = true;
          return el(
            "div",
            { class: "case-check case-contact" },
            radio,
            el(
              "label",
              { for: id },
              el("span", { class: "case-name" }, c.name),
              " ",
              el("span", { class: "case-sub" }, roleText(c.role, t)),
            ),
            el("p", { class: "case-reach", id: reachId }, t("case_ho_reach", { reach: c.reach })),
          );
        }),
      );
      show(noContacts, Boolean(region.value) && active.length === 0);
    }

    function defaults() {
      if (!ready || touched) return;
      const code = registration().region || "";
      if ([...region.options].some((o) => o.value === code) && region.value !== code) {
        region.value = code;
        renderContacts();
      }
    }

    let preparing = null;
    function prepare() {
      if (ready) return Promise.resolve();
      if (!preparing) {
        preparing = (async () => {
          try {
            regions = await env.call("/api/v1/regions");
          } catch (error) {
            if (!quiet(error)) status.textContent = t("case_load_failed");
            return;
          } finally {
            preparing = null;
          }
          for (const r of regions) region.append(el("option", { value: r.code }, labelText(r.label, env.locale)));
          ready = true;
          defaults();
          renderContacts();
        })();
      }
      return preparing;
    }

    async function loadHandovers() {
      try {
        const all = await env.call("/api/v1/handovers");
        handovers = all.filter((h) => h.conversation === conv.id);
      } catch (error) {
        if (!quiet(error)) listStatus.textContent = t("case_load_failed");
        return;
      }
      renderList();
    }

    function renderList(focusId = null) {
      list.replaceChildren(...handovers.map(handoverItem));
      listStatus.textContent = handovers.length ? "" : t("case_ho_none");
      if (focusId !== null) {
        const li = list.querySelector(`li[data-handover="${CSS.escape(String(focusId))}"]`);
        (li?.querySelector("button, a") || li)?.focus();
      }
    }

    function handoverItem(h) {
      const labelId = domId(`${base}-handover`, h.id);
      const li = el(
        "li",
        { dataset: { handover: String(h.id), status: h.status }, tabindex: "-1" },
        el(
          "p",
          { class: "case-line", id: labelId },
          el("span", { class: "case-name" }, h.contact.name),
          " ",
          el("span", { class: "case-sub" }, `${roleText(h.contact.role, t)}, ${labelText(h.region_label, env.locale) || h.region}`),
        ),
        el(
          "p",
          { class: "case-line" },
          statusBadge(h.status, t),
          " ",
          el("span", { class: "case-sub" }, t("case_ago", { age: ageText(h.age_seconds, t) })),
        ),
      );
      const actions = el("div", { class: "case-actions" });
      actions.append(
        stepButtons(
          h,
          env,
          (read) => {
            if (read) handovers = handovers.map((x) => (x.id === read.id ? { ...x, ...read } : x));
            if (read) renderList(h.id);
            else loadHandovers();
          },
          labelId,
        ),
        pdfLink(h, env),
      );
      li.append(actions);
      return li;
    }

    function clearError(name) {
      const node = errors[name];
      if (!node || node.hidden) return;
      node.textContent = "";
      show(node, false);
      controlOf(name)?.removeAttribute("aria-invalid");
    }

    function clearErrors() {
      for (const name of Object.keys(errors)) clearError(name);
    }

    function controlOf(name) {
      if (name === "consent") return consent;
      if (name === "summary") return summary;
      if (name === "region") return region;
      if (name === "contact") return contactSet;
      return null;
    }

    function fieldError(name, text) {
      const node = errors[name] || status;
      node.textContent = text;
      show(node, true);
      const control = controlOf(name);
      if (control && control !== contactSet) control.setAttribute("aria-invalid", "true");
      const target = name === "contact" ? contacts.querySelector("input") || region : control;
      (target || status).focus();
    }

    function errorText(code, field) {
      if (code === "consent_required") return t("case_err_consent");
      if (code === "unknown_contact") return t("case_err_contact");
      if (code === "not_agreed") return t("case_err_not_agreed");
      if (code === "missing" && field === "summary") return t("case_err_summary");
      return t("case_ho_failed");
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await prepare();
      clearErrors();
      status.textContent = "";
      const contact = contacts.querySelector("input:checked");
      if (!region.value) return fieldError("region", t("case_err_region"));
      if (!contact) return fieldError("contact", t("case_err_contact"));
      if (!consent.checked) return fieldError("consent", t("case_err_consent"));
      const share = SHARE.filter((name) => shareBoxes[name].checked);
      const text = share.includes("summary") ? summary.value : "";
      if (share.includes("summary") && !text.trim()) return fieldError("summary", t("case_err_summary"));
      propose.disabled = true;
      let read;
      try {
        read = await env.call(`${path}/handovers`, {
          method: "POST",
          body: { contact: Number(contact.value), consent: true, share, summary: text },
        });
      } catch (error) {
        if (quiet(error)) return;
        if (error instanceof HttpError && error.status === 422) {
          const field = error.field || ERROR_FIELDS[error.code];
          if (field && errors[field]) return fieldError(field, errorText(error.code, field));
        }
        status.textContent = t("case_ho_failed");
        status.focus();
        return;
      } finally {
        propose.disabled = false;
      }
      const done = t("case_ho_proposed", { name: read.contact.name });
      handovers = [...handovers.filter((h) => h.id !== read.id), read];
      consent.checked = false;
      for (const box of Object.values(shareBoxes)) box.checked = false;
      summary.value = "";
      summary.disabled = true;
      renderList();
      env.notice(done);
      status.textContent = done;
      status.focus();
      try {
        await env.reloadRegistration();
      } catch {
        // the form says so itself when it cannot load
      }
    });

    let opened = false;
    details.addEventListener("toggle", () => {
      if (details.open && !opened) {
        opened = true;
        prepare();
        loadHandovers();
      }
    });

    return { details, refresh: defaults };
  }

  // Block --------------------------------------------------------------------------------

  // Only for abuse: the chatter can neither start a chat nor send for the period, from
  // this phone neither for the rest of the day, and this chat ends. The reason is for
  // colleagues and a supervisor; the chatter never sees it.
  function blockSection() {
    const periods = el("div", { class: "case-choices" });
    for (const period of BLOCK_PERIODS) {
      const radio = el("input", {
        type: "radio",
        id: `${base}-block-${period}`,
        name: `${base}-block-period`,
        value: period,
        checked: period === "1h",
      });
      periods.append(el("div", { class: "case-check" }, radio, el("label", { for: radio.id }, t(`case_block_${period}`))));
    }
    const periodSet = el("fieldset", { class: "case-fieldset" }, el("legend", {}, t("case_block_period")), periods);
    const reasonError = el("p", { class: "case-field-error", id: `${base}-block-reason-error`, hidden: true });
    const reason = el("textarea", {
      id: `${base}-block-reason`,
      name: "reason",
      rows: "3",
      maxlength: "500",
      "aria-describedby": `${base}-block-reason-hint ${base}-block-reason-error`,
    });
    const submit = el("button", { type: "submit", class: "danger" }, t("case_block_submit"));
    const status = el("p", { class: "case-status", role: "status", tabindex: "-1" });
    const form = el(
      "form",
      { class: "case-block-form", novalidate: true, "aria-label": t("case_block") },
      periodSet,
      el(
        "div",
        { class: "case-field" },
        el("label", { for: reason.id }, t("case_block_reason")),
        reason,
        el("p", { class: "case-hint", id: `${base}-block-reason-hint` }, t("case_block_reason_hint")),
        reasonError,
      ),
      el("div", { class: "case-actions" }, submit),
      status,
    );
    const details = section("block", t("case_block"), el("p", { class: "case-intro" }, t("case_block_intro")), form);

    function reasonProblem(text) {
      reasonError.textContent = text;
      show(reasonError, Boolean(text));
      if (text) {
        reason.setAttribute("aria-invalid", "true");
        reason.focus();
      } else {
        reason.removeAttribute("aria-invalid");
      }
    }

    reason.addEventListener("input", () => reasonProblem(""));

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.textContent = "";
      const period = form.querySelector("input[type=radio]:checked")?.value || "1h";
      if (!reason.value.trim()) return reasonProblem(t("case_block_err_reason"));
      reasonProblem("");
      if (!window.confirm(t("case_block_confirm"))) return;
      submit.disabled = true;
      let read;
      try {
        read = await env.call(`${path}/block`, { method: "POST", body: { period, reason: reason.value } });
      } catch (error) {
        submit.disabled = false;
        if (quiet(error)) return;
        if (error instanceof HttpError && error.status === 422) return reasonProblem(t("case_block_err_reason"));
        status.textContent = t("case_block_failed");
        status.focus();
        return;
      }
      const done = t("case_block_done", { until: dateTime(read.until, env.locale) });
      reason.value = "";
      for (const control of form.elements) control.disabled = true;
      env.notice(done);
      status.textContent = done;
      status.focus();
    });

    return { details };
  }

  return {
    element,
    refresh() {
      history.load();
      duplicate.refresh();
      handover.refresh();
    },
    ended() {
      conv.status = "ended";
    },
  };
}
