// The review page: supervisors review ended chats against the method (the weekly sample
// first, or any ended chat found by period), counselors read the finished reviews of
// their own chats, and supervisors follow the quality figures over time.
// All through /api/v1/reviews with the staff session cookie. Transcript text is data: it
// goes in as text nodes (el()), never as markup. The chart is SVG the server drew with
// presentation attributes only; it is parsed as SVG, not as HTML.

import { HttpError } from "./socket.js";
import { t, config } from "./strings.js";
import { el, $, show } from "./dom.js";
import { staffElements, staffPage, SessionLost, problem, alertLine, status } from "./staffpage.js";

const BASE = "/api/v1/reviews";
const LOCALE = config.locale === "en" ? "en-GB" : "nl-NL";
const ANSWERS = ["done", "partly", "not_done", "not_applicable"];
const SCORES = [1, 2, 3, 4, 5];

const ui = {
  ...staffElements(),
  denied: $("#not-review"),
  deniedTitle: $("#not-review-title"),
  view: $("#review-view"),
  tabLinks: [...document.querySelectorAll("[data-tab]")],
  sampleTitle: $("#sample-title"),
  sampleEmpty: $("#sample-empty"),
  sampleTable: $("#sample-table"),
  sampleRows: $("#sample-rows"),
  todoError: $("#todo-error"),
  search: $("#search"),
  searchSince: $("#search-since"),
  searchUntil: $("#search-until"),
  searchStatus: $("#search-status"),
  searchTable: $("#search-table"),
  searchRows: $("#search-rows"),
  formView: $("#form-view"),
  formTitle: $("#form-title"),
  transcript: $("#transcript"),
  form: $("#review-form"),
  items: $("#items"),
  scoreGroup: $("#score-group"),
  scoreChoices: $("#score-choices"),
  scoreError: $("#score-error"),
  comment: $("#comment"),
  formError: $("#form-error"),
  formStatus: $("#form-status"),
  saveDraft: $("#save-draft"),
  finish: $("#finish"),
  closeForm: $("#close-form"),
  mineList: $("#mine-list"),
  mineEmpty: $("#mine-empty"),
  mineError: $("#mine-error"),
  qualityChart: $("#quality-chart"),
  qualityHead: $("#quality-head"),
  qualityRows: $("#quality-rows"),
  qualityError: $("#quality-error"),
};

const state = { user: null, method: config.method || [], open: null, opener: null, tab: null };

const isSupervisor = () => (state.user?.roles || []).includes("supervisor");

function label(text) {
  return text[config.locale === "en" ? "en" : "nl"];
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString(LOCALE, { dateStyle: "medium", timeStyle: "short" }) : "";
}

const page = staffPage({
  ui,
  view: ui.view,
  denied: ui.denied,
  deniedTitle: ui.deniedTitle,
  allowed: (user) => {
    state.user = user;
    return (user.roles || []).some((role) => role === "counselor" || role === "supervisor");
  },
  load: () => page.call(BASE),
  open: async (mine, { focus }) => {
    for (const item of document.querySelectorAll("[data-for=supervisor]")) show(item, isSupervisor());
    renderMine(mine);
    const wanted = location.hash.slice(1);
    const tabs = isSupervisor() ? ["todo", "mine", "quality"] : ["mine"];
    await selectTab(tabs.includes(wanted) ? wanted : tabs[0], { focus });
  },
});

// Tabs ---------------------------------------------------------------------------------------

async function selectTab(name, { focus = true } = {}) {
  state.tab = name;
  for (const link of ui.tabLinks) {
    if (link.dataset.tab === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  for (const tab of ["todo", "mine", "quality"]) show($(`#${tab}`), tab === name);
  try {
    if (name === "todo") await loadSample();
    if (name === "mine") renderMine(await page.call(BASE));
    if (name === "quality") await loadQuality();
  } catch (error) {
    if (!(error instanceof SessionLost)) alertLine($(`#${name}-error`), problem(error));
  }
  if (focus) $(`#${name}-title`).focus();
}

for (const link of ui.tabLinks) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    history.pushState(null, "", `#${link.dataset.tab}`);
    selectTab(link.dataset.tab);
  });
}

// The sample and the search ------------------------------------------------------------------

function candidateRow(c) {
  const review = c.review || "none";
  const sampled = c.sampled ? el("span", { class: "tag" }, t("sampled", { week: c.sampled })) : null;
  const ended = when(c.ended_at);
  const open = el(
    "button",
    {
      type: "button",
      class: review === "done" ? "secondary" : "primary",
      "aria-label": t("open_review_label", { counselor: c.counselor || "", ended }),
    },
    review === "done" ? t("view_review") : t("open_review"),
  );
  open.addEventListener("click", () => openForm(c.conversation, open));
  return el(
    "tr",
    { dataset: { conversation: c.conversation } },
    el("td", {}, ended, " ", sampled),
    el("td", {}, c.counselor || ""),
    el("td", { class: "number" }, String(c.messages)),
    el("td", {}, el("span", { class: `status-${review}` }, t(`status_${review}`))),
    el("td", {}, open),
  );
}

async function loadSample() {
  const data = await page.call(`${BASE}/sample`);
  state.method = data.method;
  alertLine(ui.todoError, "");
  ui.sampleTitle.textContent = data.week ? t("sample_week", { week: data.week }) : "";
  ui.sampleRows.replaceChildren(...data.sample.map(candidateRow));
  show(ui.sampleTable, data.sample.length > 0);
  ui.sampleEmpty.textContent = data.week ? t("sample_empty") : t("sample_none");
  show(ui.sampleEmpty, data.sample.length === 0);
}

ui.search.addEventListener("submit", async (event) => {
  event.preventDefault();
  const params = new URLSearchParams();
  if (ui.searchSince.value) params.set("since", ui.searchSince.value);
  if (ui.searchUntil.value) params.set("until", ui.searchUntil.value);
  status(ui.searchStatus, t("loading"));
  try {
    const found = await page.call(`${BASE}/search?${params}`);
    ui.searchRows.replaceChildren(...found.map(candidateRow));
    show(ui.searchTable, found.length > 0);
    status(ui.searchStatus, found.length ? t("found_n", { n: found.length }) : t("found_none"));
  } catch (error) {
    if (!(error instanceof SessionLost)) status(ui.searchStatus, problem(error));
  }
});

// The form -----------------------------------------------------------------------------------

function choices(name, values, words, current, disabled) {
  return values.map((value, i) => {
    const id = `${name}-${value}`;
    const input = el("input", {
      type: "radio",
      id,
      name,
      value: String(value),
      checked: String(current) === String(value),
      disabled,
    });
    return el("span", { class: "choice" }, input, el("label", { for: id }, words[i]));
  });
}

function renderForm(data) {
  const review = data.review;
  const done = review?.status === "done";
  const c = data.conversation;
  state.method = data.method;
  ui.formTitle.textContent = t("form_title", { counselor: c.counselor || "", ended: when(c.ended_at) });
  ui.transcript.replaceChildren(
    ...data.messages.map((m) =>
      el(
        "li",
        { class: `line from-${m.sender}` },
        el("span", { class: "sender" }, t(`sender_${m.sender}`)),
        " ",
        el("span", { class: "body" }, m.body),
      ),
    ),
  );
  const answers = review?.answers || {};
  const words = ANSWERS.map((a) => t(`answer_${a}`));
  ui.items.replaceChildren(
    ...data.method.map((item) =>
      el(
        "fieldset",
        { class: "answers", dataset: { item: item.code } },
        el("legend", {}, label(item.label)),
        el("div", { class: "choices" }, ...choices(`item-${item.code}`, ANSWERS, words, answers[item.code], done)),
      ),
    ),
  );
  ui.scoreChoices.replaceChildren(...choices("score", SCORES, SCORES.map(String), review?.score, done));
  ui.comment.value = review?.comment || "";
  ui.comment.disabled = done;
  show(ui.saveDraft, !done);
  show(ui.finish, !done);
  alertLine(ui.formError, "");
  alertLine(ui.scoreError, "");
  status(ui.formStatus, done ? t("review_done_readonly") : "");
}

async function openForm(conversation, opener) {
  state.opener = opener;
  try {
    const data = await page.call(`${BASE}/conversations/${encodeURIComponent(conversation)}`);
    state.open = conversation;
    renderForm(data);
    show(ui.formView, true);
    ui.formView.scrollIntoView({ block: "start" });
    const first = ui.items.querySelector("input:checked, input");
    (first || ui.formTitle).focus();
  } catch (error) {
    if (error instanceof SessionLost) return;
    const gone = error instanceof HttpError && error.code === "purged";
    alertLine(ui.todoError, gone ? t("purged") : problem(error));
  }
}

function collect(finish) {
  const answers = {};
  for (const item of state.method) {
    const picked = ui.items.querySelector(`input[name="item-${item.code}"]:checked`);
    if (picked) answers[item.code] = picked.value;
  }
  const score = ui.scoreChoices.querySelector("input:checked");
  return { answers, score: score ? Number(score.value) : null, comment: ui.comment.value, finish };
}

async function save(finish) {
  if (!state.open) return;
  const body = collect(finish);
  alertLine(ui.formError, "");
  alertLine(ui.scoreError, "");
  if (finish && (Object.keys(body.answers).length < state.method.length || body.score === null)) {
    alertLine(ui.formError, t("incomplete"));
    const missing = state.method.find((item) => !(item.code in body.answers));
    const target = missing
      ? ui.items.querySelector(`input[name="item-${missing.code}"]`)
      : ui.scoreChoices.querySelector("input");
    target?.focus();
    return;
  }
  try {
    await page.call(`${BASE}/conversations/${encodeURIComponent(state.open)}`, {
      method: "PUT",
      body,
    });
    status(ui.formStatus, finish ? t("finished") : t("saved_draft"));
    if (finish) {
      for (const input of ui.form.querySelectorAll("input, textarea")) input.disabled = true;
      show(ui.saveDraft, false);
      show(ui.finish, false);
      ui.closeForm.focus();
    }
    await loadSample();
  } catch (error) {
    if (!(error instanceof SessionLost)) alertLine(ui.formError, problem(error));
  }
}

ui.saveDraft.addEventListener("click", () => save(false));
ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  save(true);
});
ui.form.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
    event.preventDefault();
    save(false);
  } else if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
    event.preventDefault();
    save(true);
  } else if (event.key === "Escape") {
    event.preventDefault();
    closeForm();
  }
});

function closeForm() {
  show(ui.formView, false);
  state.open = null;
  const back = state.opener && document.body.contains(state.opener) ? state.opener : ui.sampleTitle;
  back.focus();
}
ui.closeForm.addEventListener("click", closeForm);

// My reviews ---------------------------------------------------------------------------------

function renderMine(reviews) {
  alertLine(ui.mineError, "");
  ui.mineEmpty.textContent = t("mine_none");
  show(ui.mineEmpty, reviews.length === 0);
  const words = Object.fromEntries(ANSWERS.map((a) => [a, t(`answer_${a}`)]));
  const names = Object.fromEntries(state.method.map((item) => [item.code, label(item.label)]));
  ui.mineList.replaceChildren(
    ...reviews.map((r) =>
      el(
        "li",
        { class: "review-card" },
        el("p", { class: "facts" }, t("review_of", { week: r.week, reviewer: r.reviewer || "", date: when(r.done_at) })),
        isSupervisor() ? el("p", {}, t("review_counselor", { name: r.counselor || "" })) : null,
        el(
          "dl",
          { class: "answers-list" },
          ...Object.entries(r.answers).flatMap(([code, answer]) => [
            el("dt", {}, names[code] || code),
            el("dd", { class: `answer-${answer}` }, words[answer] || answer),
          ]),
        ),
        el("p", { class: "score" }, t("score_is", { score: r.score ?? "" })),
        el("p", { class: "comment" }, r.comment || t("no_comment")),
      ),
    ),
  );
}

// Quality ------------------------------------------------------------------------------------

function percent(share) {
  return Math.round(share * 100);
}

async function loadQuality() {
  const data = await page.call(`${BASE}/quality?lang=${config.locale}`);
  state.method = data.method;
  alertLine(ui.qualityError, "");
  if (data.chart_svg) {
    const doc = new DOMParser().parseFromString(data.chart_svg, "image/svg+xml");
    ui.qualityChart.replaceChildren(document.importNode(doc.documentElement, true));
  }
  ui.qualityHead.replaceChildren(
    el(
      "tr",
      {},
      el("th", { scope: "col" }, t("col_week")),
      el("th", { scope: "col" }, t("col_reviews")),
      el("th", { scope: "col" }, t("col_mean")),
      ...data.method.map((item) => el("th", { scope: "col" }, label(item.label))),
    ),
  );
  ui.qualityRows.replaceChildren(
    ...[...data.weeks].reverse().map((week) =>
      el(
        "tr",
        {},
        el("th", { scope: "row" }, week.week),
        el("td", { class: "number" }, String(week.reviews)),
        el("td", { class: "number" }, week.mean_score === null ? t("no_figure") : String(week.mean_score)),
        ...week.items.map((s) =>
          el(
            "td",
            {},
            s.answered
              ? t("share_cell", { done: percent(s.done), partly: percent(s.partly), not_done: percent(s.not_done) })
              : t("no_figure"),
          ),
        ),
      ),
    ),
  );
}

window.addEventListener("popstate", () => {
  const wanted = location.hash.slice(1);
  if (!ui.view.hidden && wanted && wanted !== state.tab) selectTab(wanted);
});

page.start();
