// The supervisors' live view: the queue, every counselor and every running chat, and the
// acute-danger alerts as they come. A supervisor observes a chat silently (this page sends
// no read receipt and no typing: the server would refuse them from an observer anyway),
// whispers to its counselor, joins it or takes it over.
//
// Live: the socket's staff frames (queue, alert, whisper) and the observed chat's
// messages; the live read (/api/v1/supervision/live) again on every event and every few
// seconds, since counselor states and waiting times change without an event.

import { api, HttpError, Socket, newClientId } from "./socket.js";
import { t, config } from "./strings.js";
import { el, $, show, clockTime } from "./dom.js";
import { staffElements, staffPage, SessionLost, problem, alertLine } from "./staffpage.js";

const LOCALE = config.locale === "en" ? "en-GB" : "nl-NL";
const REFRESH_MS = 5000;
const SOON_MS = 300; // a burst of events asks the server once
const VISITORS = new Set(["youth", "relative", "professional", "unknown"]);
const SYSTEM_CODES = new Set([
  "counselor_joined",
  "ended_by_chatter",
  "ended_by_counselor",
  "quick_exit",
  "transferred",
  "colleague_joined",
]);

const ui = {
  ...staffElements(),
  connection: $("#connection"),
  notSupervisor: $("#not-supervisor"),
  notSupervisorTitle: $("#not-supervisor-title"),
  view: $("#supervise-view"),
  updated: $("#updated"),
  alerts: $("#alerts"),
  alertsEmpty: $("#alerts-empty"),
  running: $("#running"),
  runningCount: $("#running-count"),
  runningEmpty: $("#running-empty"),
  queue: $("#queue"),
  queueCount: $("#queue-count"),
  queueEmpty: $("#queue-empty"),
  counselors: $("#counselors"),
  counselorsEmpty: $("#counselors-empty"),
  observe: $("#observe"),
  observeTitle: $("#observe-title"),
  observeHint: $("#observe-hint"),
  observeStatus: $("#observe-status"),
  observeError: $("#observe-error"),
  transcript: $("#transcript"),
  write: $("#write"),
  writeBody: $("#write-body"),
  whispers: $("#whispers"),
  whispersEmpty: $("#whispers-empty"),
  whisper: $("#whisper"),
  whisperBody: $("#whisper-body"),
  join: $("#join"),
  takeover: $("#takeover"),
  close: $("#close-observe"),
};

const state = {
  user: null,
  live: null,
  socket: null,
  refreshTimer: null,
  soonTimer: null,
  // The chat being observed: { id, lastSeq, seen: Set of whisper ids }.
  watching: null,
};

function shortCode(id) {
  return id.replace(/-/g, "").slice(0, 4).toUpperCase();
}

function visitorText(visitor) {
  return t(`visitor_${VISITORS.has(visitor) ? visitor : "unknown"}`);
}

function since(iso) {
  if (!iso) return t("never");
  return waited(Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000)));
}

// A duration in the unit a person reads at a glance: seconds, minutes, hours, days.
function waited(seconds) {
  if (seconds < 120) return t("seconds", { n: seconds });
  if (seconds < 120 * 60) return t("minutes", { n: Math.floor(seconds / 60) });
  if (seconds < 48 * 3600) return t("hours", { n: Math.floor(seconds / 3600) });
  return t("days", { n: Math.floor(seconds / 86400) });
}

const { call, sessionLost, start } = staffPage({
  ui,
  view: ui.view,
  denied: ui.notSupervisor,
  deniedTitle: ui.notSupervisorTitle,
  allowed: (who) => {
    state.user = who;
    return (who.roles || []).includes("supervisor");
  },
  load: () => call("/api/v1/supervision/live"),
  open: (data, { focus }) => {
    render(data);
    startLive();
    if (focus) $("#running-title").focus();
  },
});

// The live read -------------------------------------------------------------------------

async function refresh() {
  try {
    render(await call("/api/v1/supervision/live"));
  } catch (error) {
    if (error instanceof SessionLost) stopLive();
  }
}

function refreshSoon() {
  clearTimeout(state.soonTimer);
  state.soonTimer = setTimeout(refresh, SOON_MS);
}

function render(live) {
  state.live = live;
  ui.updated.textContent = t("updated", { time: clockTime(live.at, LOCALE) });
  renderRunning(live.running);
  renderQueue(live.queue);
  renderCounselors(live.counselors);
  if (!ui.alerts.children.length) ui.alertsEmpty.textContent = t("no_alerts");
  show(ui.alertsEmpty, !ui.alerts.children.length);
  if (state.watching) renderControls();
}

function renderRunning(running) {
  ui.runningCount.textContent = `(${running.length})`;
  ui.running.replaceChildren(
    ...running.map((chat, index) => {
      const code = shortCode(chat.conversation);
      const open = el(
        "button",
        {
          type: "button",
          class: "secondary",
          "aria-label": t("observe_label", {
            name: chat.counselor,
            visitor: visitorText(chat.visitor),
            code,
          }),
          "aria-keyshortcuts": index < 9 ? `Alt+${index + 1}` : null,
          dataset: { conversation: chat.conversation },
        },
        t("observe"),
      );
      open.addEventListener("click", () => observe(chat.conversation));
      return el(
        "tr",
        {
          class: chat.acute_danger ? "acute" : null,
          dataset: { conversation: chat.conversation },
        },
        el("td", {}, code),
        el("td", {}, chat.counselor),
        el("td", {}, visitorText(chat.visitor)),
        el("td", {}, since(chat.started_at)),
        el("td", {}, since(chat.chatter_last_at)),
        el("td", { class: chat.waiting_for_reply ? "waits" : null }, chat.waiting_for_reply ? t("waiting_yes") : t("waiting_no")),
        el("td", {}, chat.acute_danger ? el("strong", { class: "acute-flag" }, t("acute")) : ""),
        el("td", {}, open),
      );
    }),
  );
  ui.runningEmpty.textContent = t("no_running");
  show(ui.runningEmpty, running.length === 0);
}

function renderQueue(queue) {
  ui.queueCount.textContent = `(${queue.length})`;
  ui.queue.replaceChildren(
    ...queue.map((entry) =>
      el(
        "tr",
        {},
        el("td", {}, String(entry.position)),
        el("td", {}, visitorText(entry.visitor)),
        el("td", {}, waited(entry.waiting_seconds)),
        el("td", {}, entry.returning ? t("returning") : ""),
      ),
    ),
  );
  ui.queueEmpty.textContent = t("nobody_waiting");
  show(ui.queueEmpty, queue.length === 0);
}

function renderCounselors(counselors) {
  ui.counselors.replaceChildren(
    ...counselors.map((person) =>
      el(
        "tr",
        { class: `state-${person.state}` },
        el("td", {}, person.name),
        el("td", {}, t(`state_${person.state}`)),
        el("td", {}, t("load", { n: person.active_chats, max: person.max_chats })),
        el("td", {}, person.idle_since ? since(person.idle_since) : t("never")),
      ),
    ),
  );
  ui.counselorsEmpty.textContent = t("no_counselors");
  show(ui.counselorsEmpty, counselors.length === 0);
}

// The socket ------------------------------------------------------------------------------

function startLive() {
  clearInterval(state.refreshTimer);
  state.refreshTimer = setInterval(refresh, REFRESH_MS);
  if (state.socket) return;
  state.socket = new Socket({
    ticket: async (signal) => (await api("/api/v1/ws-ticket", { method: "POST", signal })).ticket,
    onReady: () => {
      refresh();
      if (state.watching) subscribe();
    },
    onFrame,
    onState: (value) => {
      ui.connection.textContent = t(`connection_${value}`);
      ui.connection.dataset.state = value;
      show(ui.connection, true);
    },
    onGone: () => sessionLost(),
  });
  state.socket.start();
}

function stopLive() {
  clearInterval(state.refreshTimer);
  state.socket?.stop();
  state.socket = null;
}

function onFrame(frame) {
  switch (frame.type) {
    case "queue":
      if (Array.isArray(frame.waiting)) refreshSoon();
      break;
    case "alert":
      onAlert(frame);
      refreshSoon();
      break;
    case "message":
      onMessage(frame);
      refreshSoon();
      break;
    case "conversation":
      onConversation(frame);
      refreshSoon();
      break;
    case "whisper":
      onWhisper(frame);
      break;
    case "error":
      if (state.watching && frame.conversation === state.watching.id && frame.code === "not_found") {
        alertLine(ui.observeError, t("chat_gone"));
      }
      break;
    default:
      break;
  }
}

function onAlert(frame) {
  if (frame.kind !== "acute_danger") return;
  const text = t("alert_acute", { name: frame.counselor || "?", code: shortCode(frame.conversation || "") });
  const open = el("button", { type: "button", class: "secondary" }, t("observe"));
  open.addEventListener("click", () => observe(frame.conversation));
  ui.alerts.prepend(el("li", { class: "alert" }, el("span", {}, `${clockTime(frame.at, LOCALE)} `), text, " ", open));
  show(ui.alertsEmpty, false);
}

// Observing a chat ------------------------------------------------------------------------

function watchedChat() {
  return state.live?.running.find((chat) => chat.conversation === state.watching?.id) || null;
}

async function observe(id) {
  if (state.watching && state.watching.id !== id) unsubscribe();
  state.watching = { id, lastSeq: 0, whispers: new Set(), status: "active" };
  ui.transcript.replaceChildren();
  ui.whispers.replaceChildren();
  alertLine(ui.observeError, "");
  ui.observeStatus.textContent = "";
  show(ui.observe, true);
  renderControls();
  ui.observeTitle.focus();
  subscribe();
  await loadWhispers();
}

function subscribe() {
  const watching = state.watching;
  if (!watching) return;
  state.socket?.send({ type: "subscribe", conversation: watching.id, after_seq: watching.lastSeq });
}

function unsubscribe() {
  if (state.watching) state.socket?.send({ type: "unsubscribe", conversation: state.watching.id });
}

function closeObserve() {
  unsubscribe();
  state.watching = null;
  show(ui.observe, false);
  $("#running-title").focus();
}

function role() {
  const chat = watchedChat();
  const me = state.user?.id;
  if (!chat || me === undefined) return "observer";
  if (chat.counselor_id === me) return "owner";
  if (chat.joined.includes(me)) return "joined";
  return "observer";
}

function renderControls() {
  const chat = watchedChat();
  const id = state.watching.id;
  const mine = role();
  ui.observeTitle.textContent = t("observing", { code: shortCode(id), name: chat?.counselor || "" });
  ui.observeHint.textContent = t(mine === "owner" ? "owner_hint" : mine === "joined" ? "joined_hint" : "observing_hint");
  $("#whispers-title").textContent = t("whispers");
  $("#whisper-label").textContent = t("whisper_label");
  $("#whisper-send").textContent = t("whisper_send");
  $("#write-label").textContent = t("write_label");
  $("#write-send").textContent = t("write_send");
  ui.whispersEmpty.textContent = t("no_whispers");
  show(ui.whispersEmpty, !ui.whispers.children.length);
  ui.join.textContent = t("join");
  ui.takeover.textContent = t("takeover");
  ui.close.textContent = t("close");
  const active = Boolean(chat) && state.watching.status === "active";
  show(ui.join, active && mine === "observer");
  show(ui.takeover, active && mine !== "owner");
  show(ui.write, active && mine !== "observer");
}

function systemText(message) {
  return message.code && SYSTEM_CODES.has(message.code) ? t(`system_${message.code}`) : message.body;
}

function onMessage(frame) {
  const watching = state.watching;
  if (!watching || frame.conversation !== watching.id || frame.seq <= watching.lastSeq) return;
  watching.lastSeq = frame.seq;
  const who = t(`sender_${frame.sender}`);
  ui.transcript.append(
    el(
      "li",
      { class: `line from-${frame.sender}`, dataset: { seq: String(frame.seq) } },
      el("span", { class: "meta" }, `${who} ${clockTime(frame.created_at, LOCALE)}`),
      el("span", { class: "body" }, frame.sender === "system" ? systemText(frame) : frame.body),
    ),
  );
}

function onConversation(frame) {
  const watching = state.watching;
  if (!watching || frame.conversation !== watching.id) return;
  watching.status = frame.status;
  ui.observeStatus.textContent = frame.status === "active" ? "" : t("chat_ended");
  renderControls();
}

function onWhisper(frame) {
  const watching = state.watching;
  if (!watching || frame.conversation !== watching.id || watching.whispers.has(frame.id)) return;
  watching.whispers.add(frame.id);
  const author = frame.from || {};
  ui.whispers.append(
    el(
      "li",
      { class: "whisper" },
      el("span", { class: "meta" }, t("whisper_from", { name: author.name || "", time: clockTime(frame.created_at, LOCALE) })),
      el("span", { class: "body" }, frame.body),
    ),
  );
  show(ui.whispersEmpty, false);
}

async function loadWhispers() {
  const watching = state.watching;
  try {
    const list = await call(`/api/v1/conversations/${encodeURIComponent(watching.id)}/whispers`);
    if (state.watching !== watching) return;
    for (const item of list) {
      onWhisper({
        conversation: item.conversation,
        id: item.id,
        from: { id: item.from_user, name: item.from_name },
        body: item.body,
        created_at: item.created_at,
      });
    }
  } catch (error) {
    if (!(error instanceof SessionLost)) alertLine(ui.observeError, problem(error));
  }
}

async function post(path, body) {
  alertLine(ui.observeError, "");
  try {
    return await call(path, { method: "POST", body });
  } catch (error) {
    if (!(error instanceof SessionLost)) alertLine(ui.observeError, problem(error));
    return null;
  }
}

ui.whisper.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = ui.whisperBody.value.trim();
  if (!body || !state.watching) return;
  const id = state.watching.id;
  const made = await post(`/api/v1/conversations/${encodeURIComponent(id)}/whispers`, {
    client_id: newClientId(),
    body,
  });
  if (!made) return;
  ui.whisperBody.value = "";
  onWhisper({ ...made, from: { id: made.from_user, name: made.from_name } });
});

ui.write.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = ui.writeBody.value.trim();
  if (!body || !state.watching) return;
  const id = state.watching.id;
  const sent = await post(`/api/v1/conversations/${encodeURIComponent(id)}/messages`, {
    client_id: newClientId(),
    body,
  });
  if (sent) ui.writeBody.value = "";
});

for (const area of [ui.whisperBody, ui.writeBody]) {
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      area.form.requestSubmit();
    }
  });
}

ui.join.addEventListener("click", async () => {
  if (!state.watching) return;
  const done = await post(`/api/v1/conversations/${encodeURIComponent(state.watching.id)}/join`);
  if (!done) return;
  ui.observeStatus.textContent = t("joined_done");
  await refresh();
  ui.writeBody.focus();
});

ui.takeover.addEventListener("click", async () => {
  if (!state.watching || !window.confirm(t("takeover_confirm"))) return;
  const done = await post(`/api/v1/conversations/${encodeURIComponent(state.watching.id)}/takeover`);
  if (!done) return;
  ui.observeStatus.textContent = t("takeover_done");
  await refresh();
  ui.writeBody.focus();
});

ui.close.addEventListener("click", closeObserve);

document.addEventListener("keydown", (event) => {
  if (ui.view.hidden) return;
  if (event.key === "Escape" && state.watching) {
    event.preventDefault();
    closeObserve();
    return;
  }
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  if (/^[1-9]$/.test(event.key)) {
    const chat = state.live?.running[Number(event.key) - 1];
    if (chat) {
      event.preventDefault();
      observe(chat.conversation);
    }
  } else if (event.key.toLowerCase() === "w" && state.watching) {
    event.preventDefault();
    ui.whisperBody.focus();
  } else if (event.key.toLowerCase() === "j" && state.watching && !ui.join.hidden) {
    event.preventDefault();
    ui.join.click();
  } else if (event.key.toLowerCase() === "t" && state.watching && !ui.takeover.hidden) {
    event.preventDefault();
    ui.takeover.click();
  }
});

start();
