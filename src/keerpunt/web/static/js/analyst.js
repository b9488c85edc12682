// The analyst page: the dashboard's numbers for a period, regions and campaign; reports
// to download; campaigns with their channels' tracking links. All through the JSON API
// with the staff session cookie; only analysts and admins get answers (others get 404).
//
// Numbers only: nothing here ever reads a conversation. Names people typed go into the
// page as text (dom.js el()). Bars get their size from element.style or SVG attributes,
// both allowed by the CSP, never from a style attribute in markup.

import { HttpError, currentCsrfToken as csrfToken } from "./socket.js";
import { t, config } from "./strings.js";
import { el, $, show, copyText } from "./dom.js";
import {
  staffElements,
  staffPage,
  SessionLost,
  reasonOf,
  problem,
  status,
  alertLine,
  button,
  textInput,
  field,
  setError,
  showRefusal,
  placeForm,
  closeForms,
} from "./staffpage.js";

const READERS = ["analyst", "admin"];
const LOCALE = config.locale === "en" ? "en-GB" : "nl-NL";
const THRESHOLD = config.threshold || 5;
const DEFAULT_WEEKS = 12;
const MAX_DAYS = 3 * 366; // the longest period one report covers (reports/actions.py)
const APPLY_AFTER_MS = 350; // a burst of changes (typing a date) asks the server once
const SVG = "http://www.w3.org/2000/svg";
const DISTRIBUTIONS = ["visitors", "crime_forms", "signals", "other_problems", "help_questions"];
const LIMITS = { name: 120, goal: 4000, target_group: 200, channel: 40, channels: 12, regions: 20 };
// The dashboard's labels come in Dutch whatever the page language: the page names the
// fixed rows itself and the taxonomy's rows by their codes.
const ROW_LABELS = {
  funnel: {
    "funnel.visitors": "funnel_visitors",
    "chats.started": "funnel_conversations",
    "content.about_crime": "funnel_crime",
    "exploitation.with_signals": "funnel_signals",
  },
  visitors: {
    "visitors.youth": "visitors_youth",
    "visitors.relative": "visitors_relative",
    "visitors.professional": "visitors_professional",
    "visitors.unknown": "visitors_unknown",
  },
};
const BASES = { "outcome.held": "base_held", "content.about_crime": "base_crime" };

const ui = {
  ...staffElements(),
  notAnalyst: $("#not-analyst"),
  notAnalystTitle: $("#not-analyst-title"),
  view: $("#analyst-view"),
  filters: $("#filters"),
  filtersTitle: $("#filters-title"),
  campaign: $("#filter-campaign"),
  from: $("#filter-from"),
  to: $("#filter-to"),
  periodError: $("#filter-period-error"),
  regions: $("#filter-regions"),
  dashboard: $("#dashboard"),
  dashboardScope: $("#dashboard-scope"),
  dashboardStatus: $("#dashboard-status"),
  dashboardError: $("#dashboard-error"),
  dashboardBody: $("#dashboard-body"),
  funnel: $("#funnel"),
  timeline: $("#timeline"),
  distributions: $("#distributions"),
  reportScope: $("#report-scope"),
  partnerHint: $("#partner-hint"),
  reportButtons: [...document.querySelectorAll("#reports [data-format]")],
  reportStatus: $("#report-status"),
  reportError: $("#report-error"),
  campaignsStatus: $("#campaigns-status"),
  campaignAdd: $("#campaign-add"),
  campaignSlot: $("#campaign-slot"),
  campaignList: $("#campaign-list"),
  campaignsEmpty: $("#campaigns-empty"),
};

const state = {
  taxonomy: null,
  campaigns: [],
  pending: null, // the dashboard request in flight, to abort when the filters change
  timer: null,
  busy: false,
};

const { call, sessionLost, start } = staffPage({
  ui,
  view: ui.view,
  denied: ui.notAnalyst,
  deniedTitle: ui.notAnalystTitle,
  allowed: (user) => (user.roles || []).some((role) => READERS.includes(role)),
  load: () => Promise.all([call("/api/v1/taxonomy"), call("/api/v1/campaigns")]),
  open: openAnalyst,
});

// Helpers ------------------------------------------------------------------------------

const numbers = new Intl.NumberFormat(LOCALE);
const percents = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 0 });

function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// "2026-03-02" as that local day: Date("2026-03-02") would be midnight UTC.
function parseDay(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return new Date(year, month - 1, day);
}

function dayText(iso) {
  return parseDay(iso).toLocaleDateString(LOCALE, { day: "numeric", month: "long", year: "numeric" });
}

function shortDay(iso) {
  return parseDay(iso).toLocaleDateString(LOCALE, { day: "numeric", month: "short" });
}

function periodText(from, to) {
  return t("period", { from: dayText(from), to: dayText(to) });
}

function daysBetween(from, to) {
  return Math.round((parseDay(to) - parseDay(from)) / 86400000);
}

// A count as shown: a hidden one as the partner edition writes it.
function countText(figure) {
  if (figure.n === null || figure.n === undefined) {
    return figure.hidden === "derivable" ? "·" : `< ${THRESHOLD}`;
  }
  return numbers.format(figure.n);
}

function shareText(share) {
  return share === null || share === undefined ? "" : percents.format(share);
}

function regionItems() {
  return state.taxonomy?.lists?.region || [];
}

function regionLabel(code) {
  const item = regionItems().find((region) => region.code === code);
  return item ? item.label[config.locale] || item.label.nl : code;
}

function regionsText(codes) {
  return codes.length ? codes.map(regionLabel).join(", ") : t("all_regions");
}

function figureLabel(table, figure) {
  const fixed = ROW_LABELS[table.key]?.[figure.key];
  if (fixed) return t(fixed);
  const code = figure.key.startsWith(`${table.key}.`) ? figure.key.slice(table.key.length + 1) : null;
  const item = code && state.taxonomy?.lists?.[table.key]?.find((entry) => entry.code === code);
  return item ? item.label[config.locale] || item.label.nl : figure.label;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children) node.append(typeof child === "string" ? document.createTextNode(child) : child);
  return node;
}

// Logged in ------------------------------------------------------------------------------

// The page for an analyst or admin, once the taxonomy and the campaigns came.
async function openAnalyst([taxonomy, campaigns], { focus }) {
  state.taxonomy = taxonomy;
  state.campaigns = campaigns;
  ui.partnerHint.textContent = t("partner_means", { k: THRESHOLD });
  renderRegionFilter();
  renderCampaignFilter();
  const [from, to] = defaultPeriod();
  ui.from.value = from;
  ui.to.value = to;
  renderCampaigns();
  // Focus moves off the log-in form, which is gone now: to the top of the page.
  if (focus) ui.filtersTitle.focus();
  await applyFilters();
}

// Filters --------------------------------------------------------------------------------

function defaultPeriod() {
  const end = new Date();
  const start = new Date(end.getFullYear(), end.getMonth(), end.getDate() - DEFAULT_WEEKS * 7 + 1);
  return [isoDay(start), isoDay(end)];
}

function regionCheck(prefix, region, checked) {
  const id = `${prefix}-${region.code}`;
  const name = region.label[config.locale] || region.label.nl;
  return el(
    "div",
    { class: "check" },
    el("input", { type: "checkbox", id, value: region.code, checked }),
    el("label", { for: id }, region.retired ? t("retired_region", { name }) : name),
  );
}

function renderRegionFilter() {
  const wanted = new Set(checkedRegions());
  ui.regions.replaceChildren(
    ...regionItems().map((region) => regionCheck("filter-region", region, wanted.has(region.code))),
  );
}

function checkedRegions() {
  return [...ui.regions.querySelectorAll("input:checked")].map((input) => input.value);
}

function campaignOption(campaign, selected) {
  const text = t("campaign_option", {
    name: campaign.name,
    from: shortDay(campaign.starts_on),
    to: dayText(campaign.ends_on),
  });
  return el("option", { value: campaign.id, selected }, text);
}

function renderCampaignFilter() {
  const chosen = ui.campaign.value;
  const none = ui.campaign.options[0];
  ui.campaign.replaceChildren(
    none,
    ...state.campaigns.map((campaign) => campaignOption(campaign, String(campaign.id) === chosen)),
  );
}

function chosenCampaign() {
  const id = Number(ui.campaign.value);
  return id ? state.campaigns.find((campaign) => campaign.id === id) || null : null;
}

// The filters as the API takes them, or null (and the reason shown) when the period is wrong.
function readFilters() {
  const from = ui.from.value;
  const to = ui.to.value;
  let broken = "";
  if (!from || !to) broken = t("period_missing");
  else if (to < from) broken = t("period_backwards");
  else if (daysBetween(from, to) > MAX_DAYS) broken = t("period_too_long", { days: MAX_DAYS });
  alertLine(ui.periodError, broken);
  for (const input of [ui.from, ui.to]) {
    if (broken) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  if (broken) return null;
  const campaign = chosenCampaign();
  return { starts_on: from, ends_on: to, regions: checkedRegions(), campaign_id: campaign ? campaign.id : null, campaign };
}

function scopeText(filters) {
  const parts = [periodText(filters.starts_on, filters.ends_on), regionsText(filters.regions)];
  if (filters.campaign) parts.unshift(t("campaign_named", { name: filters.campaign.name }));
  return parts.join(" · ");
}

function scheduleApply() {
  clearTimeout(state.timer);
  state.timer = setTimeout(applyFilters, APPLY_AFTER_MS);
}

ui.filters.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(state.timer);
  applyFilters();
});

ui.campaign.addEventListener("change", () => {
  const campaign = chosenCampaign();
  if (campaign) {
    ui.from.value = campaign.starts_on;
    ui.to.value = campaign.ends_on;
  }
  scheduleApply();
});

for (const input of [ui.from, ui.to]) input.addEventListener("change", scheduleApply);
ui.regions.addEventListener("change", scheduleApply);

async function applyFilters() {
  clearTimeout(state.timer);
  const filters = readFilters();
  if (!filters) return;
  ui.reportScope.textContent = t("report_covers", { scope: scopeText(filters) });
  await loadDashboard(filters);
}

// The dashboard ----------------------------------------------------------------------------

async function loadDashboard(filters) {
  state.pending?.abort();
  const pending = new AbortController();
  state.pending = pending;
  const query = new URLSearchParams({ starts_on: filters.starts_on, ends_on: filters.ends_on });
  for (const code of filters.regions) query.append("regions", code);
  if (filters.campaign_id) query.set("campaign_id", String(filters.campaign_id));
  ui.dashboard.setAttribute("aria-busy", "true");
  ui.dashboardBody.classList.add("stale");
  status(ui.dashboardStatus, t("counting"));
  alertLine(ui.dashboardError, "");
  try {
    const board = await call(`/api/v1/reports/dashboard?${query}`, { signal: pending.signal });
    if (state.pending !== pending) return;
    ui.dashboardScope.textContent = scopeText(filters);
    renderDashboard(board);
    ui.dashboardBody.classList.remove("stale");
  } catch (error) {
    if (error instanceof SessionLost || error?.name === "AbortError" || state.pending !== pending) return;
    alertLine(ui.dashboardError, problem(error));
  } finally {
    if (state.pending === pending) {
      state.pending = null;
      status(ui.dashboardStatus, "");
      ui.dashboard.setAttribute("aria-busy", "false");
    }
  }
}

function renderDashboard(board) {
  ui.funnel.replaceChildren(funnelTable(board.funnel));
  ui.timeline.replaceChildren(...timeline(board.timeline));
  ui.distributions.replaceChildren(...DISTRIBUTIONS.map((key) => distribution(board[key])));
}

function bar(fraction, kind = "") {
  const fill = el("span", { class: kind ? `bar-fill ${kind}` : "bar-fill" });
  fill.style.width = `${Math.max(0, Math.min(1, fraction || 0)) * 100}%`;
  return el("span", { class: "bar-track" }, fill);
}

// A table of labelled rows with a count, a percentage and a bar (the bar is decoration:
// the numbers beside it say the same).
function barTable({ caption, head, rows }) {
  return el(
    "table",
    { class: "bars" },
    el("caption", { class: "visually-hidden" }, caption),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, head[0]),
        el("th", { scope: "col", class: "num" }, t("col_count")),
        el("th", { scope: "col", class: "num" }, head[1]),
        el("td", { class: "bar-cell" }),
      ),
    ),
    el(
      "tbody",
      {},
      ...rows.map((row) =>
        el(
          "tr",
          { dataset: { key: row.key } },
          el("th", { scope: "row" }, row.label),
          el("td", { class: "num" }, row.count),
          el("td", { class: "num" }, row.share),
          el("td", { class: "bar-cell", "aria-hidden": "true" }, bar(row.width)),
        ),
      ),
    ),
  );
}

function funnelTable(table) {
  const most = Math.max(1, ...table.rows.map((figure) => figure.n || 0));
  return barTable({
    caption: t("funnel_title"),
    head: [t("col_step"), t("col_of_visitors")],
    rows: table.rows.map((figure, index) => ({
      key: figure.key,
      label: figureLabel(table, figure),
      count: countText(figure),
      share: index === 0 ? "" : shareText(figure.share),
      width: (figure.n || 0) / most,
    })),
  });
}

function distribution(table) {
  const id = `dist-${table.key}`;
  const title = t(`title_${table.key}`);
  const block = el("div", { class: "panel-block", dataset: { table: table.key } }, el("h3", { id }, title));
  if (table.base) {
    const base = BASES[table.base.key];
    const n = countText(table.base);
    block.append(el("p", { class: "base" }, base ? t(base, { n }) : t("base_other", { label: table.base.label, n })));
  }
  if ((state.taxonomy?.multiple || []).includes(table.key)) {
    block.append(el("p", { class: "base" }, t("several_apply")));
  }
  if (!table.rows.length || (table.base && table.base.n === 0)) {
    block.append(el("p", { class: "empty" }, t("none_in_period")));
    return block;
  }
  block.append(
    barTable({
      caption: title,
      head: [t("col_answer"), t("col_share")],
      rows: table.rows.map((figure) => ({
        key: figure.key,
        label: figureLabel(table, figure),
        count: countText(figure),
        share: shareText(figure.share),
        width: figure.share || 0,
      })),
    }),
  );
  return block;
}

// A round number at or above the highest bar, for the chart's scale.
function scaleTop(most) {
  if (most <= 5) return 5;
  const step = 10 ** Math.floor(Math.log10(most));
  for (const factor of [1, 2, 2.5, 5, 10]) {
    if (factor * step >= most) return factor * step;
  }
  return 10 * step;
}

function timeline(buckets) {
  const n = (figure) => figure.n || 0;
  const direct = buckets.reduce((sum, b) => sum + n(b.direct), 0);
  const organic = buckets.reduce((sum, b) => sum + n(b.organic), 0);
  const summary = el(
    "p",
    { id: "timeline-summary", class: "summary" },
    t("timeline_summary", {
      total: numbers.format(direct + organic),
      direct: numbers.format(direct),
      organic: numbers.format(organic),
    }),
  );
  if (!buckets.length) return [summary];
  const width = 560;
  const height = 170;
  const left = 30;
  const bottom = 22;
  const top = 8;
  const plot = height - bottom - top;
  const highest = scaleTop(Math.max(0, ...buckets.map((b) => n(b.direct) + n(b.organic))));
  const slot = (width - left) / buckets.length;
  const barWidth = Math.max(1, slot * 0.7);
  const y = (value) => top + plot - (value / highest) * plot;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "chart",
    role: "img",
    "aria-labelledby": "timeline-title timeline-summary",
  });
  for (const value of [0, highest / 2, highest]) {
    chart.append(
      svg("line", { x1: left, x2: width, y1: y(value), y2: y(value), class: "grid-line" }),
      svg("text", { x: left - 4, y: y(value) + 4, class: "axis", "text-anchor": "end" }, numbers.format(value)),
    );
  }
  const every = Math.ceil(buckets.length / 12); // at most a dozen dates under the bars
  buckets.forEach((bucket, index) => {
    const x = left + index * slot + (slot - barWidth) / 2;
    const group = svg(
      "g",
      {},
      svg(
        "title",
        {},
        t("week_bar", { week: dayText(bucket.start), direct: countText(bucket.direct), organic: countText(bucket.organic) }),
      ),
    );
    const organicTop = y(n(bucket.organic));
    const directTop = y(n(bucket.organic) + n(bucket.direct));
    group.append(
      svg("rect", { x, y: organicTop, width: barWidth, height: top + plot - organicTop, class: "organic" }),
      svg("rect", { x, y: directTop, width: barWidth, height: organicTop - directTop, class: "direct" }),
    );
    if (index % every === 0) {
      group.append(
        svg("text", { x: x + barWidth / 2, y: height - 6, class: "axis", "text-anchor": "middle" }, shortDay(bucket.start)),
      );
    }
    chart.append(group);
  });
  const legend = el(
    "ul",
    { class: "legend" },
    el("li", {}, el("span", { class: "swatch direct", "aria-hidden": "true" }), t("legend_direct")),
    el("li", {}, el("span", { class: "swatch organic", "aria-hidden": "true" }), t("legend_organic")),
  );
  const rows = buckets.map((bucket) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, t("week_of", { day: dayText(bucket.start) })),
      el("td", { class: "num" }, countText(bucket.direct)),
      el("td", { class: "num" }, countText(bucket.organic)),
    ),
  );
  const numbersTable = el(
    "details",
    { class: "week-numbers" },
    el("summary", {}, t("week_numbers")),
    el(
      "table",
      { class: "grid" },
      el("caption", { class: "visually-hidden" }, t("week_numbers")),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col" }, t("col_week")),
          el("th", { scope: "col", class: "num" }, t("col_direct")),
          el("th", { scope: "col", class: "num" }, t("col_organic")),
        ),
      ),
      el("tbody", {}, ...rows),
    ),
  );
  return [summary, chart, legend, numbersTable];
}

// Reports --------------------------------------------------------------------------------------

function edition() {
  return document.querySelector("input[name=edition]:checked")?.value || "internal";
}

// The name the server gives in Content-Disposition; the HTML page comes without one.
function fileName(disposition, body) {
  const match = /filename="?([^";]+)"?/i.exec(disposition || "");
  if (match) return match[1];
  const what = body.campaign_id ? `campagne-${body.campaign_id}` : "periode";
  const kind = body.edition === "partner" ? "partner" : "intern";
  return `keerpunt-${what}-${body.starts_on}-${body.ends_on}-${kind}.${body.format}`;
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, class: "visually-hidden" });
  document.body.append(link);
  link.click();
  link.remove();
  // Not at once: the browser may still be reading the blob for the download.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Busy buttons stay focusable (aria-disabled, not disabled): focus stays where it was.
function reportBusy(format) {
  state.busy = Boolean(format);
  for (const node of ui.reportButtons) {
    node.setAttribute("aria-disabled", String(state.busy));
    if (node.dataset.format === format) node.setAttribute("aria-busy", "true");
    else node.removeAttribute("aria-busy");
  }
}

const FORMAT_NAMES = { html: "HTML", pdf: "PDF", xlsx: "Excel", json: "JSON" };

async function download(format) {
  if (state.busy) return;
  alertLine(ui.reportError, "");
  status(ui.reportStatus, "");
  const filters = readFilters();
  if (!filters) {
    alertLine(ui.reportError, t("report_period"));
    ui.from.focus();
    return;
  }
  const body = {
    campaign_id: filters.campaign_id,
    starts_on: filters.starts_on,
    ends_on: filters.ends_on,
    regions: filters.regions,
    edition: edition(),
    format,
    locale: config.locale,
  };
  reportBusy(format);
  status(ui.reportStatus, t("report_making", { format: FORMAT_NAMES[format] }));
  try {
    const response = await fetch("/api/v1/reports", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "*/*", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.status === 401) {
      status(ui.reportStatus, "");
      sessionLost();
      return;
    }
    if (!response.ok) {
      let data = null;
      try {
        data = await response.json();
      } catch {
        data = null;
      }
      const detail = data?.detail;
      const error = new HttpError(response.status, data?.code, typeof detail === "string" ? detail : "", {
        errors: Array.isArray(detail) ? detail : [],
      });
      status(ui.reportStatus, "");
      alertLine(ui.reportError, reasonOf(error) ? t("report_refused", { reason: reasonOf(error) }) : t("report_failed"));
      return;
    }
    const blob = await response.blob();
    const name = fileName(response.headers.get("Content-Disposition"), body);
    save(blob, name);
    status(ui.reportStatus, t("report_done", { name }));
  } catch {
    status(ui.reportStatus, "");
    alertLine(ui.reportError, t("network"));
  } finally {
    reportBusy(null);
  }
}

for (const node of ui.reportButtons) {
  node.addEventListener("click", () => download(node.dataset.format));
}

// Campaigns ----------------------------------------------------------------------------------

async function loadCampaigns() {
  try {
    state.campaigns = await call("/api/v1/campaigns");
  } catch (error) {
    if (!(error instanceof SessionLost)) status(ui.campaignsStatus, problem(error));
    return;
  }
  renderCampaigns();
  renderCampaignFilter();
}

function renderCampaigns() {
  ui.campaignSlot.replaceChildren();
  ui.campaignList.replaceChildren(...state.campaigns.map(campaignItem));
  show(ui.campaignsEmpty, state.campaigns.length === 0);
}

function fullLink(channel) {
  return `${location.origin}${channel.link}`;
}

function channelsTable(campaign) {
  if (!campaign.channels.length) return el("p", { class: "empty" }, t("no_channels"));
  return el(
    "table",
    { class: "grid channels" },
    el("caption", { class: "visually-hidden" }, t("channels_of", { name: campaign.name })),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, t("col_channel")),
        el("th", { scope: "col" }, t("col_link")),
        el("td", {}),
      ),
    ),
    el(
      "tbody",
      {},
      ...campaign.channels.map((channel) => {
        const link = fullLink(channel);
        const copy = button(t("copy"), { label: t("copy_named", { name: channel.name }), data: { copy: channel.code } });
        copy.addEventListener("click", async () => {
          const copied = await copyText(link);
          status(ui.campaignsStatus, copied ? t("link_copied", { name: channel.name }) : t("copy_failed"));
        });
        return el(
          "tr",
          { dataset: { channel: channel.id } },
          el("td", {}, channel.name),
          el("td", {}, el("code", { class: "link" }, link)),
          el("td", { class: "row-actions" }, copy),
        );
      }),
    ),
  );
}

function campaignItem(campaign) {
  const edit = button(t("edit"), { label: t("edit_named", { name: campaign.name }), data: { edit: campaign.id } });
  const look = button(t("show_numbers"), {
    label: t("show_numbers_named", { name: campaign.name }),
    data: { show: campaign.id },
  });
  const facts = el(
    "dl",
    { class: "facts-list" },
    el("dt", {}, t("field_period")),
    el("dd", {}, periodText(campaign.starts_on, campaign.ends_on)),
    el("dt", {}, t("field_regions")),
    el("dd", {}, campaign.regions.length ? regionsText(campaign.regions) : t("no_regions")),
  );
  if (campaign.target_group) facts.append(el("dt", {}, t("field_target_group")), el("dd", {}, campaign.target_group));
  if (campaign.goal) facts.append(el("dt", {}, t("field_goal")), el("dd", { class: "goal" }, campaign.goal));
  const view = el(
    "div",
    { class: "campaign-view" },
    el("h3", {}, campaign.name),
    facts,
    el("h4", {}, t("tracking_links")),
    channelsTable(campaign),
    el("p", { class: "row-actions" }, edit, " ", look),
  );
  const item = el("li", { class: "campaign", dataset: { campaign: campaign.id } }, view);
  edit.addEventListener("click", () => openCampaignForm(campaign, item, edit));
  look.addEventListener("click", () => {
    ui.campaign.value = String(campaign.id);
    ui.from.value = campaign.starts_on;
    ui.to.value = campaign.ends_on;
    applyFilters();
    ui.dashboard.scrollIntoView({ block: "start" });
    $("#dashboard-title").focus({ preventScroll: true });
  });
  return item;
}

ui.campaignAdd.addEventListener("click", () => openCampaignForm(null, null, ui.campaignAdd));

// The campaign form: fields with their errors beside them --------------------------------------

// A group of controls (regions, channels): the fieldset is described by its error line;
// focus goes to its first control.
function group({ id, legend, hint, body, extra = [] }) {
  const error = el("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const hintNode = hint ? el("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  const node = el(
    "fieldset",
    { class: "group", id, "aria-describedby": hintNode ? `${hintNode.id} ${error.id}` : error.id },
    el("legend", {}, legend),
    hintNode,
    body,
    error,
    ...extra,
  );
  return { group: node, error, node, get control() { return node.querySelector("input, button") || node; } };
}

function openCampaignForm(campaign, place, opener) {
  closeForms(ui.campaignSlot, ui.campaignList, ".campaign-view");
  const prefix = campaign ? `campaign-${campaign.id}` : "campaign-new";
  const goal = el("textarea", { name: "goal", rows: 4, maxlength: LIMITS.goal });
  goal.value = campaign?.goal || "";
  const date = (name, value) => el("input", { type: "date", name, value, required: true });
  const fields = {
    name: field({ id: `${prefix}-name`, label: t("field_name"), control: textInput("name", LIMITS.name, campaign?.name) }),
    goal: field({ id: `${prefix}-goal`, label: t("field_goal"), control: goal }),
    target_group: field({
      id: `${prefix}-target`,
      label: t("field_target_group"),
      hint: t("target_hint"),
      control: textInput("target_group", LIMITS.target_group, campaign?.target_group),
    }),
    starts_on: field({ id: `${prefix}-starts`, label: t("field_starts_on"), control: date("starts_on", campaign?.starts_on) }),
    ends_on: field({ id: `${prefix}-ends`, label: t("field_ends_on"), control: date("ends_on", campaign?.ends_on) }),
  };
  const had = new Set(campaign?.regions || []);
  const offered = regionItems().filter((region) => !region.retired || had.has(region.code));
  fields.regions = group({
    id: `${prefix}-regions`,
    legend: t("field_regions"),
    hint: t("regions_hint"),
    body: el("div", { class: "checks" }, ...offered.map((region) => regionCheck(`${prefix}-region`, region, had.has(region.code)))),
  });

  // Channels: existing ones keep their id (and link) and can be renamed; new ones added.
  const channelRows = [];
  const list = el("ol", { class: "channel-rows" });
  const addChannel = button(t("channel_add"), { data: { addChannel: "" } });
  fields.channels = group({
    id: `${prefix}-channels`,
    legend: t("field_channels"),
    hint: t("channels_hint"),
    body: list,
    extra: [el("p", { class: "add" }, addChannel)],
  });
  const renumber = () => {
    channelRows.forEach((row, index) => {
      row.label.textContent = t("channel_number", { n: index + 1 });
      if (row.drop) row.drop.setAttribute("aria-label", t("channel_drop_named", { n: index + 1 }));
    });
    addChannel.disabled = channelRows.length >= LIMITS.channels;
  };
  const channelRow = (channel) => {
    const id = `${prefix}-channel-${channelRows.length}-${Math.random().toString(36).slice(2, 7)}`;
    const input = textInput("channel", LIMITS.channel, channel?.name);
    const label = el("label", { for: id });
    const error = el("p", { class: "field-error", id: `${id}-error`, hidden: true });
    const note = el(
      "p",
      { class: "hint", id: `${id}-hint` },
      channel ? t("channel_link_is", { link: fullLink(channel) }) : t("channel_new_hint"),
    );
    input.id = id;
    input.setAttribute("aria-describedby", `${note.id} ${error.id}`);
    const row = { id: channel?.id ?? null, control: input, error, label, drop: null };
    const node = el("li", { class: "field channel-row" }, label, el("div", { class: "inline" }, input), note, error);
    if (!channel) {
      // Only a channel not saved yet can go again: a saved one may be in an ad already.
      row.drop = button(t("channel_drop"), { kind: "secondary small" });
      row.drop.addEventListener("click", () => {
        const index = channelRows.indexOf(row);
        channelRows.splice(index, 1);
        node.remove();
        renumber();
        (channelRows[index]?.control || channelRows[index - 1]?.control || addChannel).focus();
      });
      node.querySelector(".inline").append(row.drop);
    }
    row.node = node;
    channelRows.push(row);
    list.append(node);
    renumber();
    return row;
  };
  for (const channel of campaign?.channels || []) channelRow(channel);
  addChannel.addEventListener("click", () => {
    if (channelRows.length >= LIMITS.channels) return;
    channelRow(null).control.focus();
  });

  const general = el("p", { class: "error", role: "alert", hidden: true });
  const cancel = button(t("cancel"));
  const form = el(
    "form",
    { class: "form campaign-form", novalidate: true },
    el(
      "fieldset",
      {},
      el("legend", {}, campaign ? t("campaign_change", { name: campaign.name }) : t("campaign_new")),
      fields.name.node,
      fields.goal.node,
      fields.target_group.node,
      el("div", { class: "pair" }, fields.starts_on.node, fields.ends_on.node),
      fields.regions.node,
      fields.channels.node,
      general,
      el("div", { class: "actions" }, button(t("save"), { kind: "primary", type: "submit" }), cancel),
    ),
  );
  const allFields = () => {
    const named = { ...fields };
    channelRows.forEach((row, index) => {
      named[`channels.${index}.name`] = row;
    });
    return named;
  };

  // Every rule the API has, checked here first so the message sits beside its field.
  const check = () => {
    const broken = {};
    const value = (name) => fields[name].control.value.trim();
    if (!value("name")) broken.name = t("field_required");
    else if (value("name").length > LIMITS.name) broken.name = t("field_too_long", { max: LIMITS.name });
    if (value("goal").length > LIMITS.goal) broken.goal = t("field_too_long", { max: LIMITS.goal });
    if (value("target_group").length > LIMITS.target_group) {
      broken.target_group = t("field_too_long", { max: LIMITS.target_group });
    }
    const starts = fields.starts_on.control.value;
    const ends = fields.ends_on.control.value;
    if (!starts) broken.starts_on = t("date_required");
    if (!ends) broken.ends_on = t("date_required");
    if (starts && ends && ends < starts) broken.ends_on = t("ends_before_starts");
    const regions = [...fields.regions.group.querySelectorAll("input:checked")];
    if (regions.length > LIMITS.regions) broken.regions = t("too_many_regions", { max: LIMITS.regions });
    const seen = new Set();
    channelRows.forEach((row, index) => {
      const name = row.control.value.trim();
      const key = `channels.${index}.name`;
      if (!name) broken[key] = t("field_required");
      else if (name.length > LIMITS.channel) broken[key] = t("field_too_long", { max: LIMITS.channel });
      else if (seen.has(name.toLocaleLowerCase())) broken[key] = t("channel_twice");
      seen.add(name.toLocaleLowerCase());
    });
    let first = null;
    for (const [name, entry] of Object.entries(allFields())) {
      setError(entry, broken[name] || "");
      if (broken[name] && !first) first = entry;
    }
    if (first) first.control.focus();
    return !first;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(general, false);
    if (!check()) return;
    const body = {
      name: fields.name.control.value.trim(),
      goal: fields.goal.control.value.trim(),
      target_group: fields.target_group.control.value.trim(),
      starts_on: fields.starts_on.control.value,
      ends_on: fields.ends_on.control.value,
      regions: [...fields.regions.group.querySelectorAll("input:checked")].map((input) => input.value),
      channels: channelRows.map((row) =>
        row.id === null ? { name: row.control.value.trim() } : { id: row.id, name: row.control.value.trim() },
      ),
    };
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const saved = campaign
        ? await call(`/api/v1/campaigns/${campaign.id}`, { method: "PUT", body })
        : await call("/api/v1/campaigns", { method: "POST", body });
      await loadCampaigns();
      status(ui.campaignsStatus, t(campaign ? "campaign_saved" : "campaign_added", { name: saved.name }));
      const item = ui.campaignList.querySelector(`[data-campaign="${saved.id}"]`);
      (item?.querySelector("[data-edit]") || ui.campaignAdd).focus();
      item?.scrollIntoView({ block: "nearest" });
      if (chosenCampaign()?.id === saved.id) applyFilters();
    } catch (error) {
      submit.disabled = false;
      if (error instanceof SessionLost) return;
      if (error instanceof HttpError && error.status === 404) {
        status(ui.campaignsStatus, t("gone"));
        await loadCampaigns();
        ui.campaignAdd.focus();
        return;
      }
      const own = { channel_removed: t("channel_removed"), unknown_code: t("unknown_region") };
      showRefusal(error, allFields(), general, { own });
    }
  });

  placeForm(form, { place, viewSelector: ".campaign-view", slot: ui.campaignSlot, opener, cancel });
  fields.name.control.focus();
}

// Start ------------------------------------------------------------------------------------------

start();
