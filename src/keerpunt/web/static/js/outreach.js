// The outreach page: the triage queue (items with their matches marked, the score
// explained, state, assignee and actions), the sources, the watchlist with suggested
// terms, and trends. All through /api/v1/outreach with the staff session cookie; only
// the outreach role gets answers (anyone else gets 404 and sees "not for you").
//
// Post text is data: it goes into the page as text nodes, and a match becomes a <mark>
// made with el(), never markup from a string. The server gives match offsets in code
// points (Python's str); JS strings count UTF-16 units, so the text is split with
// Array.from before cutting (an emoji before a match would shift it otherwise).

import { HttpError } from "./socket.js";
import { t, config } from "./strings.js";
import { el, $, show, copyText } from "./dom.js";
import {
  staffElements,
  staffPage,
  SessionLost,
  problem,
  status,
  alertLine,
  button,
  setError,
  showRefusal,
} from "./staffpage.js";

const BASE = "/api/v1/outreach";
const LOCALE = config.locale === "en" ? "en-GB" : "nl-NL";
const PAGE_SIZE = 50;
const TREND_DAYS = 28;
const SVG = "http://www.w3.org/2000/svg";
const TABS = ["queue", "sources", "watchlist", "trends"];
// Where an item can go from each state (the server checks the same; api.md).
const MOVES = {
  new: ["in_review"],
  in_review: ["escalated", "contacted", "dismissed", "new"],
  dismissed: ["in_review"],
  escalated: ["in_review"],
  contacted: ["in_review"],
};
const KINDS = ["exact", "fuzzy", "pattern"];

const ui = {
  ...staffElements(),
  notOutreach: $("#not-outreach"),
  notOutreachTitle: $("#not-outreach-title"),
  view: $("#outreach-view"),
  tabLinks: [...document.querySelectorAll("[data-tab]")],
  // Queue
  queueFilters: $("#queue-filters"),
  queueState: $("#queue-state"),
  queueSort: $("#queue-sort"),
  queueMine: $("#queue-mine"),
  queueStatus: $("#queue-status"),
  queueError: $("#queue-error"),
  queueCount: $("#queue-count"),
  queueTable: $("#queue-table"),
  queueRows: $("#queue-rows"),
  queueEmpty: $("#queue-empty"),
  queueMore: $("#queue-more"),
  // The open item
  item: $("#item"),
  itemTitle: $("#item-title"),
  itemClose: $("#item-close"),
  itemFacts: $("#item-facts"),
  itemStatus: $("#item-status"),
  itemError: $("#item-error"),
  itemText: $("#item-text"),
  itemMatches: $("#item-matches"),
  itemWhy: $("#item-why"),
  itemVersions: $("#item-versions"),
  itemSources: $("#item-sources"),
  itemPosts: $("#item-posts"),
  itemStates: $("#item-states"),
  itemHistory: $("#item-history"),
  itemActions: $("#item-actions"),
  itemActionsEmpty: $("#item-actions-empty"),
  assignMe: $("#assign-me"),
  assignTo: $("#assign-to"),
  assignGo: $("#assign-go"),
  actionForm: $("#action-form"),
  actionKind: $("#action-kind"),
  actionNote: $("#action-note"),
  actionNoteError: $("#action-note-error"),
  actionChannel: $("#action-channel"),
  actionChannelError: $("#action-channel-error"),
  actionLink: $("#action-link"),
  actionCopy: $("#action-copy"),
  // Sources
  sourcesStatus: $("#sources-status"),
  sourcesError: $("#sources-error"),
  sourceRows: $("#source-rows"),
  sourcesEmpty: $("#sources-empty"),
  sourceForm: $("#source-form"),
  // Watchlist
  watchlistVersion: $("#watchlist-version"),
  watchlistStatus: $("#watchlist-status"),
  watchlistError: $("#watchlist-error"),
  termGroups: $("#term-groups"),
  termForm: $("#term-form"),
  termCategory: $("#term-category"),
  suggestions: $("#suggestions"),
  suggestionsEmpty: $("#suggestions-empty"),
  // Trends
  trendsStatus: $("#trends-status"),
  trendsError: $("#trends-error"),
  trendsSummary: $("#trends-summary"),
  trendCategories: $("#trend-categories"),
  trendTerms: $("#trend-terms"),
  trendSources: $("#trend-sources"),
};

const state = {
  me: null,
  tab: "queue",
  items: [],
  total: 0,
  item: null,
  staff: [],
  channels: [],
  categories: [],
  openGroups: new Set(),
  loaded: new Set(),
};

const { call, start } = staffPage({
  ui,
  view: ui.view,
  denied: ui.notOutreach,
  deniedTitle: ui.notOutreachTitle,
  allowed: (user) => {
    state.me = user;
    return (user.roles || []).includes("outreach");
  },
  load: () => Promise.all([call(itemsPath(0)), call(`${BASE}/staff`), call(`${BASE}/channels`)]),
  open: openOutreach,
});

// Helpers --------------------------------------------------------------------------------

// Points are multiples of a quarter: two digits, so the rows add up to the total shown.
const numbers = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });

function when(iso) {
  if (!iso) return t("never");
  return new Date(iso).toLocaleString(LOCALE, {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

function day(iso) {
  const [year, month, date] = iso.split("-").map(Number);
  return new Date(year, month - 1, date).toLocaleDateString(LOCALE, { day: "numeric", month: "short" });
}

// A category's name in the page's language; a category the page does not know by its code.
function categoryName(code) {
  const key = `cat_${code}`;
  const name = t(key);
  return name === key ? code : name;
}

// A score part: a category, or one of the scorer's own parts (scoring.py).
function partName(name) {
  const key = `part_${name}`;
  const own = t(key);
  return own === key ? categoryName(name) : own;
}

function stateName(value) {
  return t(`state_${value}`);
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children)
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  return node;
}

// A failure in a part of the page: a lost session shows the log-in form already.
function fail(node, error) {
  if (error instanceof SessionLost) return;
  alertLine(node, problem(error));
}

// The text with its matches marked. highlights: [{start, end, term, category}] in code
// points; overlapping matches become one mark (the first one's), so no text repeats.
function markedText(text, highlights) {
  const points = Array.from(text);
  const spans = [...highlights].sort((a, b) => a.start - b.start || b.end - a.end);
  const nodes = [];
  let at = 0;
  for (const span of spans) {
    const begin = Math.max(span.start, at);
    const end = Math.min(span.end, points.length);
    if (end <= begin) continue;
    if (begin > at) nodes.push(points.slice(at, begin).join(""));
    nodes.push(
      el(
        "mark",
        {
          title: `${span.term} (${categoryName(span.category)})`,
          dataset: { term: span.term, category: span.category },
        },
        points.slice(begin, end).join(""),
      ),
    );
    at = end;
  }
  if (at < points.length) nodes.push(points.slice(at).join(""));
  return nodes;
}

// One line per marked place: the words as written, then the terms that matched there.
function matchLines(text, highlights) {
  const points = text ? Array.from(text) : [];
  const places = new Map();
  for (const hit of [...highlights].sort((a, b) => a.start - b.start || a.end - b.end)) {
    const key = `${hit.start}:${hit.end}`;
    if (!places.has(key))
      places.set(key, { words: points.slice(hit.start, hit.end).join(""), terms: new Map() });
    const label = hit.form === "pattern" ? t("a_pattern") : hit.term;
    places
      .get(key)
      .terms.set(
        `${label}|${hit.category}`,
        t("match_term", { term: label, category: categoryName(hit.category), form: t(`form_${hit.form}`) }),
      );
  }
  return [...places.values()].map((place) =>
    el("li", {}, el("q", {}, place.words), `: ${[...place.terms.values()].join("; ")}`),
  );
}

// A form's fields by the names the server uses in `field`, for showRefusal().
function fieldsOf(form, names) {
  const fields = {};
  for (const name of names) {
    const control = form.elements[name];
    fields[name] = { control, error: $(`#${control.getAttribute("aria-describedby").split(" ").pop()}`) };
  }
  return fields;
}

function clearErrors(fields, general) {
  for (const entry of Object.values(fields)) setError(entry, "");
  if (general) alertLine(general, "");
}

// Logged in ------------------------------------------------------------------------------

async function openOutreach([items, staff, channels], { focus }) {
  state.staff = staff;
  state.channels = channels;
  state.loaded.clear();
  showQueue(items, false);
  state.loaded.add("queue");
  renderChannels();
  renderStaff();
  const wanted = location.hash.slice(1);
  await selectTab(TABS.includes(wanted) ? wanted : "queue", { focus, reload: false });
}

// Tabs: one part at a time, so the page stays quick with long lists -------------------------

async function selectTab(name, { focus = true, reload = true } = {}) {
  state.tab = name;
  // Back and forward move between the parts too.
  window.addEventListener("hashchange", () => {
    const wanted = location.hash.slice(1);
    if (!ui.view.hidden && TABS.includes(wanted) && wanted !== state.tab) selectTab(wanted);
  });

  for (const link of ui.tabLinks) {
    const current = link.dataset.tab === name;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  for (const tab of TABS) show($(`#${tab}`), tab === name);
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  if (focus) $(`#${name}-title`).focus();
  // A tab shows what is there now: others work on the same queue and lists.
  if (reload || !state.loaded.has(name)) {
    state.loaded.add(name);
    await LOADERS[name]();
  }
}

for (const link of ui.tabLinks) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    // An entry in the history per part, so Back returns to the previous one.
    if (location.hash !== `#${link.dataset.tab}`) history.pushState(null, "", `#${link.dataset.tab}`);
    selectTab(link.dataset.tab);
  });
}

// Queue ----------------------------------------------------------------------------------

function itemsPath(offset) {
  const query = new URLSearchParams({
    state: ui.queueState.value,
    sort: ui.queueSort.value,
    limit: String(PAGE_SIZE),
    offset: String(offset),
  });
  if (ui.queueMine.checked) query.set("assignee", "me");
  return `${BASE}/items?${query}`;
}

async function loadQueue(more = false) {
  alertLine(ui.queueError, "");
  try {
    const answer = await call(itemsPath(more ? state.items.length : 0));
    showQueue(answer, more);
  } catch (error) {
    fail(ui.queueError, error);
  }
}

function showQueue(answer, more) {
  state.items = more ? [...state.items, ...answer.items] : answer.items;
  state.total = answer.total;
  if (!more) ui.queueRows.replaceChildren();
  ui.queueRows.append(...answer.items.map(itemRow));
  ui.queueCount.textContent = t("queue_count", { shown: state.items.length, total: state.total });
  show(ui.queueTable, state.items.length > 0);
  show(ui.queueEmpty, state.items.length === 0);
  show(ui.queueMore, state.items.length < state.total);
}

function itemRow(item) {
  const open = el(
    "button",
    { type: "button", class: "link-button", dataset: { item: item.id } },
    item.excerpt || t("text_purged"),
  );
  open.addEventListener("click", () => openItem(item.id));
  return el(
    "tr",
    { dataset: { item: item.id, state: item.state } },
    el("td", { class: "score" }, numbers.format(item.score)),
    el(
      "td",
      { class: "excerpt" },
      el("span", { class: "categories" }, item.categories.map(categoryName).join(", ")),
      open,
    ),
    el("td", { class: "times" }, t("times", { n: item.count })),
    el("td", {}, when(item.first_seen)),
    el("td", {}, when(item.last_seen)),
    el("td", {}, item.source || ""),
    el(
      "td",
      {},
      stateName(item.state),
      item.actions ? el("span", { class: "hint-inline" }, ` ${t("actions_n", { n: item.actions })}`) : null,
    ),
    el("td", {}, item.assignee ? item.assignee.name : "—"),
  );
}

ui.queueFilters.addEventListener("change", () => loadQueue());
ui.queueFilters.addEventListener("submit", (event) => event.preventDefault());
ui.queueMore.addEventListener("click", () => loadQueue(true));

// The open item --------------------------------------------------------------------------

async function openItem(id) {
  alertLine(ui.queueError, "");
  try {
    const item = await call(`${BASE}/items/${id}`);
    showItem(item);
    status(ui.itemStatus, "");
    alertLine(ui.itemError, "");
    ui.item.scrollIntoView({ block: "start" });
    ui.itemTitle.focus();
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) {
      alertLine(ui.queueError, t("gone"));
      await loadQueue();
      return;
    }
    fail(ui.queueError, error);
  }
}

function showItem(item) {
  state.item = item;
  show(ui.item, true);
  ui.itemTitle.textContent = t("item_title", { id: item.id, state: stateName(item.state) });
  ui.itemFacts.textContent = t("item_facts", {
    score: numbers.format(item.score),
    count: item.count,
    first: when(item.first_seen),
    last: when(item.last_seen),
    assignee: item.assignee ? item.assignee.name : t("nobody"),
  });
  if (item.text === null || item.text === undefined) {
    ui.itemText.replaceChildren(el("em", {}, t("text_purged")));
  } else {
    ui.itemText.replaceChildren(...markedText(item.text, item.highlights));
  }
  ui.itemMatches.replaceChildren(...matchLines(item.text, item.highlights));
  renderWhy(item);
  ui.itemSources.replaceChildren(
    ...item.sources.map((source) =>
      el("li", {}, t("source_line", { name: source.title || `@${source.username}`, n: source.count })),
    ),
  );
  ui.itemPosts.replaceChildren(
    ...item.posts.map((post) =>
      el("li", {}, t("post_line", { source: post.source, at: when(post.posted_at), id: post.message_id })),
    ),
  );
  renderMoves(item);
  ui.assignMe.disabled = Boolean(item.assignee && item.assignee.id === state.me?.id);
  ui.assignTo.value = item.assignee ? String(item.assignee.id) : "";
  renderHistory(item);
}

// Co-occurrence names the categories found together by their codes.
function whyDetail(part) {
  if (part.name === "co-occurrence") return part.detail.split(", ").map(categoryName).join(", ");
  return part.detail || "";
}

function renderWhy(item) {
  const body = ui.itemWhy.tBodies[0];
  body.replaceChildren(
    ...item.contributions.map((part) =>
      el(
        "tr",
        {},
        el("td", {}, partName(part.name)),
        el("td", { class: "num" }, numbers.format(part.points)),
        el("td", {}, whyDetail(part)),
      ),
    ),
  );
  ui.itemWhy.tFoot.replaceChildren(
    el(
      "tr",
      {},
      el("th", { scope: "row" }, t("total")),
      el("td", { class: "num" }, numbers.format(item.score)),
      el("td", {}, t("threshold", { n: numbers.format(item.threshold) })),
    ),
  );
  ui.itemVersions.textContent = t("versions", { scorer: item.scorer_version, list: item.list_version });
}

function renderMoves(item) {
  const moves = MOVES[item.state] || [];
  ui.itemStates.replaceChildren(
    ...moves.map((target) => {
      const move = button(t(`move_${item.state}_${target}`), {
        kind: target === "in_review" && item.state === "new" ? "primary" : "secondary",
        data: { move: target },
      });
      move.addEventListener("click", () =>
        changeItem("state", { state: target }, t("moved", { state: stateName(target) })),
      );
      return move;
    }),
  );
}

// The server writes history in English words; the known shapes are said in the page's
// language, anything else as it is.
function historyText(what) {
  const moved = /^(\w+) -> (\w+)(?:: (.*))?$/s.exec(what);
  if (moved) {
    const text = t("history_moved", { from: stateName(moved[1]), to: stateName(moved[2]) });
    return moved[3] ? `${text} (${moved[3]})` : text;
  }
  const action = /^action (\w+)$/.exec(what);
  if (action) return t("history_action", { kind: t(`kind_${action[1]}`) });
  const assigned = /^assigned to (.+)$/s.exec(what);
  if (assigned) return t("history_assigned", { name: assigned[1] });
  if (what === "unassigned") return t("history_unassigned");
  return what;
}

function renderHistory(item) {
  const entry = (at, ...content) => el("li", {}, el("time", { datetime: at }, when(at)), " ", ...content);
  ui.itemHistory.replaceChildren(
    ...item.history.map((line) =>
      entry(line.at, t("history_line", { by: line.by || t("system"), what: historyText(line.what) })),
    ),
  );
  ui.itemActions.replaceChildren(...item.actions.map((action) => entry(action.at, actionNode(action))));
  show(ui.itemActionsEmpty, item.actions.length === 0);
}

function actionNode(action) {
  const parts = [el("strong", {}, t("action_line", { by: action.by, kind: t(`kind_${action.kind}`) }))];
  if (action.note) parts.push(" ", el("q", {}, action.note));
  if (action.channel) {
    parts.push(
      " ",
      el(
        "span",
        { class: "action-link" },
        t("with_link", { campaign: action.channel.campaign, name: action.channel.name }),
        " ",
        el("code", {}, fullLink(action.channel)),
      ),
    );
  }
  return el("span", { class: "action", dataset: { kind: action.kind } }, ...parts);
}

async function changeItem(what, body, done) {
  alertLine(ui.itemError, "");
  const id = state.item.id;
  try {
    const item = await call(`${BASE}/items/${id}/${what}`, { method: "POST", body });
    showItem(item);
    status(ui.itemStatus, done);
    await loadQueue();
  } catch (error) {
    fail(ui.itemError, error);
    if (error instanceof HttpError && error.status === 409) {
      // A colleague was first: show the item as it is now.
      try {
        showItem(await call(`${BASE}/items/${id}`));
      } catch {
        // the error above says enough
      }
    }
  }
}

ui.itemClose.addEventListener("click", () => {
  const closed = state.item?.id;
  show(ui.item, false);
  state.item = null;
  const opened = ui.queueRows.querySelector(`button[data-item="${closed}"]`);
  (opened || $("#queue-title")).focus();
});

ui.assignMe.addEventListener("click", () =>
  changeItem("assign", { user_id: state.me.id }, t("assigned", { name: t("you") })),
);

ui.assignGo.addEventListener("click", () => {
  const value = ui.assignTo.value;
  const person = state.staff.find((one) => String(one.id) === value);
  changeItem(
    "assign",
    { user_id: value ? Number(value) : null },
    person ? t("assigned", { name: person.name }) : t("unassigned"),
  );
});

function renderStaff() {
  ui.assignTo.replaceChildren(
    el("option", { value: "" }, t("nobody")),
    ...state.staff.map((person) => el("option", { value: person.id }, person.name)),
  );
}

function fullLink(channel) {
  return `${location.origin}${channel.link}`;
}

function renderChannels() {
  ui.actionChannel.replaceChildren(
    el("option", { value: "" }, t("no_link")),
    ...state.channels.map((channel) =>
      el(
        "option",
        { value: channel.id },
        t("channel_option", { campaign: channel.campaign, name: channel.name }),
      ),
    ),
  );
  showLink();
}

function chosenChannel() {
  return state.channels.find((channel) => String(channel.id) === ui.actionChannel.value) || null;
}

function showLink() {
  const channel = chosenChannel();
  ui.actionLink.textContent = channel ? fullLink(channel) : "";
  show(ui.actionCopy, Boolean(channel));
}

ui.actionChannel.addEventListener("change", showLink);

ui.actionCopy.addEventListener("click", async () => {
  const channel = chosenChannel();
  if (!channel) return;
  const copied = await copyText(fullLink(channel));
  status(ui.itemStatus, copied ? t("link_copied") : t("copy_failed"));
});

ui.actionForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const fields = {
    note: { control: ui.actionNote, error: ui.actionNoteError },
    channel_id: { control: ui.actionChannel, error: ui.actionChannelError },
  };
  clearErrors(fields, ui.itemError);
  const note = ui.actionNote.value.trim();
  if (note.length > 1000) {
    setError(fields.note, t("note_too_long"));
    ui.actionNote.focus();
    return;
  }
  const body = { kind: ui.actionKind.value, note };
  if (ui.actionChannel.value) body.channel_id = Number(ui.actionChannel.value);
  const submit = ui.actionForm.querySelector("button[type=submit]");
  submit.disabled = true;
  const id = state.item.id;
  try {
    await call(`${BASE}/items/${id}/actions`, { method: "POST", body });
    ui.actionNote.value = "";
    showItem(await call(`${BASE}/items/${id}`));
    status(ui.itemStatus, t("action_saved"));
    await loadQueue();
  } catch (error) {
    showRefusal(error, fields, ui.itemError);
  } finally {
    submit.disabled = false;
  }
});

// Sources --------------------------------------------------------------------------------

async function loadSources() {
  alertLine(ui.sourcesError, "");
  try {
    renderSources(await call(`${BASE}/sources`));
  } catch (error) {
    fail(ui.sourcesError, error);
  }
}

function renderSources(sources) {
  show(ui.sourcesEmpty, sources.length === 0);
  ui.sourceRows.replaceChildren(...sources.map(sourceRow));
}

function sourceRow(source) {
  const name = source.title ? `${source.title} (@${source.username})` : `@${source.username}`;
  const toggle = button(source.active ? t("pause_source") : t("resume_source"), {
    label: t(source.active ? "pause_named" : "resume_named", { name }),
  });
  toggle.addEventListener("click", () => setSourceActive(source, !source.active));
  const stateText = source.active ? t(`source_${source.state}`) : t("source_paused");
  return el(
    "tr",
    { class: source.active ? "" : "inactive", dataset: { source: source.username } },
    el(
      "td",
      {},
      el("strong", {}, name),
      source.kind ? el("div", { class: "hint" }, t(`kind_source_${source.kind}`)) : null,
    ),
    el(
      "td",
      {},
      source.purpose,
      el(
        "div",
        { class: "hint" },
        t("source_record", { dpia: source.dpia_ref, approved: source.approved_by, added: source.added_by }),
      ),
    ),
    el(
      "td",
      { class: `source-state ${source.state}` },
      stateText,
      source.active && source.state === "backoff" && source.next_run_at
        ? el("div", { class: "hint" }, t("next_run", { at: when(source.next_run_at) }))
        : null,
      source.note ? el("div", { class: "hint" }, source.note) : null,
    ),
    el("td", {}, when(source.last_collected_at)),
    el("td", { class: "num" }, String(source.matched_posts)),
    el("td", { class: "row-actions" }, toggle),
  );
}

async function setSourceActive(source, active) {
  alertLine(ui.sourcesError, "");
  try {
    await call(`${BASE}/sources/${source.id}`, {
      method: "PUT",
      body: { purpose: source.purpose, dpia_ref: source.dpia_ref, approved_by: source.approved_by, active },
    });
    status(ui.sourcesStatus, t(active ? "source_resumed" : "source_paused_done", { name: source.username }));
    await loadSources();
  } catch (error) {
    fail(ui.sourcesError, error);
  }
}

// The server's username rules (outreach/actions.py clean_username), checked here first so
// the reason is said in the page's language; the server checks again.
const TELEGRAM_LINK = /^(?:https?:\/\/)?(?:www\.)?(?:t|telegram)\.(?:me|dog)\/(.*)$/i;
const USERNAME = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;

function usernameProblem(raw) {
  let value = raw.trim();
  const link = TELEGRAM_LINK.exec(value);
  if (link) {
    value = link[1].replace(/^\/+|\/+$/g, "");
    if (value.startsWith("+") || value.startsWith("joinchat")) return t("invite_link");
    if (value.startsWith("c/") || value.startsWith("s/c/")) return t("private_link");
    value = value.split("/")[0].split("?")[0];
  } else if (value.includes("/") || value.startsWith("+")) {
    return t("not_username");
  }
  return USERNAME.test(value.replace(/^@/, "")) ? "" : t("not_username");
}

ui.sourceForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = ui.sourceForm;
  const fields = fieldsOf(form, ["username", "purpose", "dpia_ref", "approved_by"]);
  clearErrors(fields, ui.sourcesError);
  const body = {};
  let first = null;
  for (const [name, entry] of Object.entries(fields)) {
    body[name] = entry.control.value.trim();
    const missing = !body[name] || (name === "purpose" && body[name].length < 10);
    if (missing) {
      setError(entry, t(name === "purpose" && body[name] ? "purpose_short" : `missing_${name}`));
      first = first || entry.control;
    }
  }
  const wrong = body.username ? usernameProblem(body.username) : "";
  if (wrong) {
    setError(fields.username, wrong);
    first = fields.username.control;
  }
  if (first) {
    first.focus();
    return;
  }
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const source = await call(`${BASE}/sources`, { method: "POST", body });
    form.reset();
    status(ui.sourcesStatus, t("source_added", { name: source.username }));
    await loadSources();
  } catch (error) {
    if (error instanceof HttpError && error.status === 409 && !error.field) {
      // The only conflict a name can cause: the source is registered already.
      setError(fields.username, t("source_exists"));
      fields.username.control.focus();
    } else {
      showRefusal(error, fields, ui.sourcesError);
    }
  } finally {
    submit.disabled = false;
  }
});

// Watchlist ------------------------------------------------------------------------------

async function loadWatchlist() {
  alertLine(ui.watchlistError, "");
  try {
    const [terms, suggestions] = await Promise.all([call(`${BASE}/terms`), call(`${BASE}/suggestions`)]);
    renderTerms(terms);
    renderSuggestions(suggestions);
  } catch (error) {
    fail(ui.watchlistError, error);
  }
}

function renderTerms(answer) {
  state.categories = answer.categories;
  ui.watchlistVersion.textContent = t("list_version", {
    n: answer.version,
    terms: answer.terms.filter((term) => term.active).length,
  });
  const chosen = ui.termCategory.value;
  ui.termCategory.replaceChildren(
    ...answer.categories.map((category) =>
      el("option", { value: category, selected: category === chosen }, categoryName(category)),
    ),
  );
  const groups = new Map(answer.categories.map((category) => [category, []]));
  for (const term of answer.terms) {
    if (!groups.has(term.category)) groups.set(term.category, []);
    groups.get(term.category).push(term);
  }
  ui.termGroups.replaceChildren(
    ...[...groups].filter(([, terms]) => terms.length).map(([category, terms]) => termGroup(category, terms)),
  );
}

function termGroup(category, terms) {
  const active = terms.filter((term) => term.active).length;
  const group = el(
    "details",
    { class: "term-group", open: state.openGroups.has(category), dataset: { category } },
    el("summary", {}, t("category_summary", { category: categoryName(category), n: active })),
    el(
      "table",
      { class: "grid terms" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col" }, t("col_term")),
          el("th", { scope: "col" }, t("col_kind")),
          el("th", { scope: "col" }, t("col_weight")),
          el("th", { scope: "col" }, t("col_matches")),
          el("th", { scope: "col" }, t("col_change")),
        ),
      ),
      el("tbody", {}, ...terms.map(termRow)),
    ),
  );
  // Long lists stay folded; the groups someone opened stay open when the list reloads.
  group.addEventListener("toggle", () => {
    if (group.open) state.openGroups.add(category);
    else state.openGroups.delete(category);
  });
  return group;
}

function termRow(term) {
  const edit = button(t("edit"), { label: t("edit_named", { name: term.text }) });
  const toggle = button(term.active ? t("switch_off") : t("switch_on"), {
    label: t(term.active ? "switch_off_named" : "switch_on_named", { name: term.text }),
  });
  const row = el(
    "tr",
    { class: term.active ? "" : "inactive", dataset: { term: term.id } },
    el(
      "td",
      {},
      el("code", {}, term.text),
      term.active ? null : el("span", { class: "hint-inline" }, ` ${t("off")}`),
    ),
    el("td", {}, t(`kind_${term.kind}`)),
    el("td", { class: "num" }, numbers.format(term.weight)),
    el("td", { class: "num" }, String(term.matches_28d)),
    el("td", { class: "row-actions" }, edit, toggle),
  );
  toggle.addEventListener("click", () => saveTerm(term, { ...termBody(term), active: !term.active }));
  edit.addEventListener("click", () => editTerm(term, row, edit));
  return row;
}

function termBody(term) {
  return {
    text: term.text,
    kind: term.kind,
    category: term.category,
    weight: term.weight,
    active: term.active,
  };
}

async function saveTerm(term, body, fields = null) {
  alertLine(ui.watchlistError, "");
  try {
    const saved = await call(`${BASE}/terms/${term.id}`, { method: "PUT", body });
    state.openGroups.add(saved.category);
    status(ui.watchlistStatus, t("term_saved", { name: saved.text }));
    await loadWatchlist();
    return true;
  } catch (error) {
    if (fields) showRefusal(error, fields, ui.watchlistError);
    else fail(ui.watchlistError, error);
    return false;
  }
}

function editTerm(term, row, opener) {
  const id = `term-${term.id}`;
  const text = el("input", {
    type: "text",
    id: `${id}-text`,
    value: term.text,
    maxlength: 200,
    autocomplete: "off",
    "aria-label": t("col_term"),
  });
  const kind = el(
    "select",
    { id: `${id}-kind`, "aria-label": t("col_kind") },
    ...KINDS.map((k) => el("option", { value: k, selected: k === term.kind }, t(`kind_${k}`))),
  );
  const category = el(
    "select",
    { id: `${id}-category`, "aria-label": t("col_category") },
    ...state.categories.map((c) =>
      el("option", { value: c, selected: c === term.category }, categoryName(c)),
    ),
  );
  const weight = el("input", {
    type: "number",
    id: `${id}-weight`,
    value: term.weight,
    min: 0,
    max: 10,
    step: 0.5,
    "aria-label": t("col_weight"),
  });
  const error = el("p", { class: "field-error", id: `${id}-error`, hidden: true });
  for (const control of [text, kind, category, weight]) control.setAttribute("aria-describedby", error.id);
  const save = button(t("save"), { kind: "primary", type: "submit" });
  const cancel = button(t("cancel"));
  const form = el(
    "form",
    { class: "term-edit", novalidate: true },
    text,
    kind,
    category,
    weight,
    save,
    cancel,
    error,
  );
  const cell = el("td", { colspan: 5 }, form);
  const editing = el("tr", { class: "editing" }, cell);
  const close = () => {
    editing.remove();
    show(row, true);
    opener.focus();
  };
  cancel.addEventListener("click", close);
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const entry = { control: text, error };
    const fields = {
      text: entry,
      kind: { control: kind, error },
      category: { control: category, error },
      weight: { control: weight, error },
    };
    setError(entry, "");
    if (!text.value.trim() || !category.value.trim()) {
      setError(entry, t("term_missing"));
      text.focus();
      return;
    }
    await saveTerm(
      term,
      {
        text: text.value.trim(),
        kind: kind.value,
        category: category.value.trim(),
        weight: Number(weight.value),
        active: term.active,
      },
      fields,
    );
  });
  show(row, false);
  row.after(editing);
  text.focus();
}

ui.termForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = ui.termForm;
  const fields = fieldsOf(form, ["text", "category", "kind", "weight"]);
  clearErrors(fields, ui.watchlistError);
  const body = {
    text: form.elements.text.value.trim(),
    category: form.elements.category.value.trim(),
    kind: form.elements.kind.value,
    weight: Number(form.elements.weight.value || 1),
  };
  let first = null;
  for (const name of ["text", "category"]) {
    if (!body[name]) {
      setError(fields[name], t(`missing_${name}`));
      first = first || fields[name].control;
    }
  }
  if (first) {
    first.focus();
    return;
  }
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const term = await call(`${BASE}/terms`, { method: "POST", body });
    state.openGroups.add(term.category);
    form.elements.text.value = "";
    status(ui.watchlistStatus, t("term_added", { name: term.text, category: categoryName(term.category) }));
    await loadWatchlist();
    form.elements.text.focus();
  } catch (error) {
    showRefusal(error, fields, ui.watchlistError, {
      own: { duplicate: t("term_exists"), conflict: t("term_exists") },
    });
  } finally {
    submit.disabled = false;
  }
});

function renderSuggestions(suggestions) {
  show(ui.suggestionsEmpty, suggestions.length === 0);
  ui.suggestions.replaceChildren(...suggestions.map(suggestionItem));
}

function suggestionItem(suggestion) {
  const id = `suggestion-${suggestion.id}`;
  const kind = el(
    "select",
    { id: `${id}-kind` },
    ...KINDS.map((k) => el("option", { value: k }, t(`kind_${k}`))),
  );
  const categories = [...new Set([suggestion.category_hint, ...state.categories].filter(Boolean))];
  const category = el(
    "select",
    { id: `${id}-category` },
    ...categories.map((c) => el("option", { value: c }, categoryName(c))),
  );
  const approve = button(t("approve"), {
    kind: "primary",
    label: t("approve_named", { name: suggestion.text }),
  });
  const reject = button(t("reject"), { label: t("reject_named", { name: suggestion.text }) });
  approve.addEventListener("click", () =>
    decide(
      suggestion,
      "approve",
      { kind: kind.value, category: category.value },
      t("approved", { name: suggestion.text }),
    ),
  );
  reject.addEventListener("click", () =>
    decide(suggestion, "reject", undefined, t("rejected", { name: suggestion.text })),
  );
  return el(
    "li",
    { class: "suggestion", dataset: { suggestion: suggestion.id } },
    el("strong", {}, suggestion.text),
    " ",
    el(
      "span",
      { class: "hint-inline" },
      t("suggestion_facts", {
        n: suggestion.count,
        with: suggestion.cooccurs_with.join(", "),
        since: when(suggestion.first_seen),
      }),
    ),
    el(
      "div",
      { class: "row-actions" },
      el("label", { for: kind.id }, t("col_kind")),
      " ",
      kind,
      " ",
      el("label", { for: category.id }, t("col_category")),
      " ",
      category,
      " ",
      approve,
      reject,
    ),
  );
}

async function decide(suggestion, verdict, body, done) {
  alertLine(ui.watchlistError, "");
  try {
    const term = await call(`${BASE}/suggestions/${suggestion.id}/${verdict}`, { method: "POST", body });
    if (term) state.openGroups.add(term.category);
    status(ui.watchlistStatus, done);
    await loadWatchlist();
  } catch (error) {
    fail(ui.watchlistError, error);
  }
}

// Trends ---------------------------------------------------------------------------------

async function loadTrends() {
  alertLine(ui.trendsError, "");
  status(ui.trendsStatus, t("counting"));
  try {
    renderTrends(await call(`${BASE}/trends?days=${TREND_DAYS}`));
    status(ui.trendsStatus, "");
  } catch (error) {
    status(ui.trendsStatus, "");
    fail(ui.trendsError, error);
  }
}

const sum = (values) => values.reduce((total, value) => total + value, 0);

// A small line chart: raw as a line, unique as a lighter one beneath. Described in text
// beside it, so the chart itself is decoration for screen readers.
function spark(raw, unique) {
  const width = 168;
  const height = 32;
  const top = Math.max(1, ...raw, ...(unique || []));
  const step = raw.length > 1 ? width / (raw.length - 1) : width;
  const line = (values) =>
    values
      .map(
        (value, index) =>
          `${(index * step).toFixed(1)},${(height - 2 - (value / top) * (height - 4)).toFixed(1)}`,
      )
      .join(" ");
  const chart = svg("svg", {
    class: "spark",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    "aria-hidden": "true",
    focusable: "false",
  });
  if (unique) chart.append(svg("polyline", { class: "unique", points: line(unique) }));
  chart.append(svg("polyline", { class: "raw", points: line(raw) }));
  return chart;
}

function trendTable(rows, { withTerm }) {
  const head = [
    withTerm ? t("col_term") : null,
    t("col_category"),
    t("col_per_day"),
    t("col_raw"),
    t("col_unique"),
    t("col_last_day"),
  ].filter(Boolean);
  return el(
    "table",
    { class: "grid trend-table" },
    el("thead", {}, el("tr", {}, ...head.map((text) => el("th", { scope: "col" }, text)))),
    el(
      "tbody",
      {},
      ...rows.map((row) =>
        el(
          "tr",
          {
            class: row.rising ? "rising" : "",
            dataset: withTerm ? { term: row.term_id } : { category: row.category },
          },
          withTerm
            ? el(
                "th",
                { scope: "row" },
                row.term,
                row.rising
                  ? el(
                      "span",
                      { class: "rising-flag", title: t("baseline", { n: numbers.format(row.baseline) }) },
                      t("rising"),
                    )
                  : null,
              )
            : null,
          withTerm
            ? el("td", {}, categoryName(row.category))
            : el("th", { scope: "row" }, categoryName(row.category)),
          el("td", {}, spark(row.raw, row.unique)),
          el("td", { class: "num" }, String(sum(row.raw))),
          el("td", { class: "num" }, String(sum(row.unique))),
          el("td", { class: "num" }, String(row.raw[row.raw.length - 1] ?? 0)),
        ),
      ),
    ),
  );
}

function renderTrends(answer) {
  const days = answer.days;
  ui.trendsSummary.textContent = days.length
    ? t("trends_summary", {
        from: day(days[0]),
        to: day(days[days.length - 1]),
        scanned: sum(answer.scanned),
        matched: sum(answer.matched),
      })
    : "";
  const categories = answer.categories.filter((row) => sum(row.raw) > 0);
  ui.trendCategories.replaceChildren(
    categories.length
      ? trendTable(categories, { withTerm: false })
      : el("p", { class: "empty" }, t("no_matches")),
  );
  // Rising terms first, then the busiest.
  const terms = answer.series
    .filter((row) => sum(row.raw) > 0 || row.rising)
    .sort((a, b) => Number(b.rising) - Number(a.rising) || sum(b.raw) - sum(a.raw));
  ui.trendTerms.replaceChildren(
    terms.length ? trendTable(terms, { withTerm: true }) : el("p", { class: "empty" }, t("no_matches")),
  );
  ui.trendSources.replaceChildren(sourceTable(answer.sources));
}

// Matches per source: where the queue's work comes from.
function sourceTable(rows) {
  const busy = rows.filter((row) => sum(row.raw) > 0).sort((a, b) => sum(b.raw) - sum(a.raw));
  if (!busy.length) return el("p", { class: "empty" }, t("no_matches"));
  return el(
    "table",
    { class: "grid trend-table" },
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ...[t("col_source"), t("col_per_day"), t("col_raw"), t("col_last_day")].map((text) =>
          el("th", { scope: "col" }, text),
        ),
      ),
    ),
    el(
      "tbody",
      {},
      ...busy.map((row) =>
        el(
          "tr",
          { dataset: { source: row.source } },
          el("th", { scope: "row" }, row.source),
          el("td", {}, spark(row.raw, null)),
          el("td", { class: "num" }, String(sum(row.raw))),
          el("td", { class: "num" }, String(row.raw[row.raw.length - 1] ?? 0)),
        ),
      ),
    ),
  );
}

const LOADERS = {
  queue: loadQueue,
  sources: loadSources,
  watchlist: loadWatchlist,
  trends: loadTrends,
};

start();
