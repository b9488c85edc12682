// The counselor console: log in, the queue, the counselor's own chats as tabs, and one
// socket that carries everything live (docs/protocol.md, "Staff consoles").
//
// On every socket ready the view is rebuilt from GET /api/v1/console/snapshot, then each
// own chat is subscribed with the last seq already on screen, so nothing shows twice and
// nothing is missed. Messages the counselor wrote but the server has not acknowledged
// stay in memory only and are sent again, with the same client_id, after a reconnect.
//
// Everything anyone typed goes into the page as text (dom.js el()), never as markup.
//
// Beside each chat: the registration form (registration.js) and the case tools
// (casetools.js); the handover list (handovers.js) replaces the chats area on request.
// This file conducts: it makes them, places them and tells them when a chat ends.

import { api, HttpError, newClientId, placeOf, Socket } from "./socket.js";
import { t, config } from "./strings.js";
import { el, $, show, clockTime } from "./dom.js";
import { registrationForm } from "./registration.js";
import { bindLogin, fetchMe, logOut } from "./stafflogin.js";
import { staffElements } from "./staffpage.js";
// Whole modules, so a module without the expected export cannot break the console.
import * as casetools from "./casetools.js";
import * as handovers from "./handovers.js";
import { consoleTime } from "./consoletime.js";
import { mountAssignment } from "./assignment.js";
import { whisperTools } from "./whispers.js";

const SYSTEM_CODES = new Set(["counselor_joined", "ended_by_chatter", "ended_by_counselor", "quick_exit", "idle_warning", "idle_closed", "transferred", "requeued", "colleague_joined"]);
const VISITORS = new Set(["youth", "relative", "professional", "unknown"]);
const FINAL = new Set(["ended", "abandoned"]);
const TYPING_EVERY_MS = 3000; // at most one "typing" frame per this interval
const TYPING_IDLE_MS = 4000; // no key for this long: "stopped typing"
const TYPING_SHOWN_MS = 8000; // the chatter's indicator fades if no update comes
const GAP_GRACE_MS = 1500; // a heartbeat ahead of us: wait this long for frames in flight
const KEEPALIVE_MS = 4 * 60 * 1000; // while the counselor is active, tell the server so
const SOUND_KEY = "keerpunt.console.sound";

const ui = {
  ...staffElements(),
  connection: $("#connection"),
  cap: $("#cap"),
  pause: $("#pause"),
  sound: $("#sound"),
  notify: $("#notify"),
  consoleView: $("#console-view"),
  queueTitle: $("#queue-title"),
  queueCount: $("#queue-count"),
  acceptReason: $("#accept-reason"),
  notice: $("#notice"),
  queue: $("#queue"),
  queueEmpty: $("#queue-empty"),
  tabs: $("#tabs"),
  noChats: $("#no-chats"),
  panels: $("#panels"),
  tools: $("#tools"),
  end: $("#end"),
  bottom: $("#chat-bottom"),
  typing: $("#typing"),
  composer: $("#composer"),
  message: $("#message"),
  send: $("#composer button[type=submit]"),
  chats: $("#chats"),
  toRegister: $("#to-register"),
  toRegisterCount: $("#to-register-count"),
  toRegisterEmpty: $("#to-register-empty"),
  alerts: $("#alerts"),
  handoversButton: $("#handovers-button"),
  handoversView: $("#handovers-view"),
  canned: $("#canned"),
  cannedFilter: $("#canned-filter"),
  cannedList: $("#canned-list"),
  cannedEmpty: $("#canned-empty"),
};

const baseTitle = document.title;

const state = {
  user: null,
  socket: null,
  generation: 0, // bumps on every ready; an older snapshot answer is dropped
  queueFrameSeen: false, // a queue frame came after the snapshot was asked for
  queue: [], // [{conversation, visitor, position, since, returning, offeredTo, offeredUntil}]
  queueNodes: new Map(),
  queueLoaded: false,
  paused: false,
  maxChats: 0,
  noRole: false,
  convs: new Map(), // id -> conversation (see newConv)
  order: [], // tab order, ids
  selected: null,
  carried: null, // {userId, outboxes: Map id -> [{clientId, body}]} across a lost session
  accepting: false,
  lastActivity: 0,
  lastKeepalive: 0,
  toRegister: new Map(), // id -> {conversation, visitor, ended_at, status}, to register still
  opening: new Set(), // ids of ended chats whose tab is being opened from that list
  carriedForms: new Map(), // id -> registration values a lost session had not saved
  handoverView: null, // what mountHandoverView returned, once mounted
};

// Helpers ------------------------------------------------------------------------------

function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const s = String(total % 60).padStart(2, "0");
  const m = Math.floor(total / 60);
  if (m < 60) return `${m}:${s}`;
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}:${s}`;
}

function visitorText(visitor) {
  return t(`visitor_${VISITORS.has(visitor) ? visitor : "unknown"}`);
}

function shortCode(id) {
  return id.replace(/-/g, "").slice(0, 4).toUpperCase();
}

function domId(prefix, id) {
  return `${prefix}-${id.replace(/[^A-Za-z0-9_-]/g, "")}`;
}

// Every call that needs the session: a 401 means the session is gone, so log in again.
async function call(path, options) {
  try {
    return await api(path, options);
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) sessionLost();
    throw error;
  }
}

let noticeTimer = null;
function notice(text) {
  ui.notice.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    ui.notice.textContent = "";
  }, 8000);
}

// Signals: title, sound, notification ------------------------------------------------------

let audio = null;

function soundOn() {
  try {
    return localStorage.getItem(SOUND_KEY) !== "off";
  } catch {
    return true;
  }
}

// Browsers start audio only after a user gesture: make the context on the first one.
function unlockAudio() {
  if (!soundOn()) return;
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  if (!audio) audio = new Context();
  if (audio.state === "suspended") audio.resume().catch(() => {});
}

function tone(frequency, start, length) {
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.type = "sine";
  osc.frequency.value = frequency;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.18, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain).connect(audio.destination);
  osc.start(start);
  osc.stop(start + length + 0.02);
}

function beep(kind) {
  if (!soundOn() || !audio || audio.state !== "running") return;
  const now = audio.currentTime;
  if (kind === "chat") {
    tone(660, now, 0.16);
    tone(880, now + 0.2, 0.2);
  } else if (kind === "alert") {
    for (let i = 0; i < 3; i += 1) tone(988, now + i * 0.28, 0.18);
  } else {
    tone(740, now, 0.14);
  }
}

function notifyPermission() {
  return "Notification" in window ? Notification.permission : "unsupported";
}

// The notification says only that something happened, never what anyone wrote.
function notify(kind, conversationId) {
  if (notifyPermission() !== "granted") return;
  if (!document.hidden && document.hasFocus()) return;
  try {
    const titles = { chat: "notify_new_chat", alert: "notify_alert", message: "notify_new_message" };
    const note = new Notification(t(titles[kind] || titles.message), {
      tag: kind === "message" ? `keerpunt-message-${conversationId}` : `keerpunt-${kind}`,
      silent: true,
    });
    note.onclick = () => {
      window.focus();
      if (conversationId && state.convs.has(conversationId)) select(conversationId, { focus: "tab" });
      note.close();
    };
  } catch {
    // some browsers allow notifications only from a service worker
  }
}

function renderNotify() {
  show(ui.notify, notifyPermission() === "default");
}

// The permission can change outside the page (the browser's site settings).
navigator.permissions
  ?.query({ name: "notifications" })
  .then((status) => {
    status.onchange = renderNotify;
  })
  .catch(() => {});

function updateTitle() {
  let count = state.queue.length;
  for (const conv of state.convs.values()) count += conv.unread;
  document.title = count > 0 ? t("title_count", { count, title: baseTitle }) : baseTitle;
}

// Connection --------------------------------------------------------------------------------

let blocked = false;
function renderConnection(name) {
  const key = name === "reconnecting" && blocked ? "state_blocked" : `state_${name}`;
  ui.connection.dataset.state = name;
  ui.connection.textContent = t(key);
}

// Log in ------------------------------------------------------------------------------------

function showLogin(info = "") {
  show(ui.loading, false);
  show(ui.consoleView, false);
  show(ui.controls, false);
  show(ui.connection, false);
  show(ui.loginView, true);
  ui.loginInfo.textContent = info;
  show(ui.loginError, false);
  ui.password.value = "";
  document.title = baseTitle;
  (ui.username.value ? ui.password : ui.username).focus();
}

bindLogin(ui.login, (user) => startConsole(user));

ui.logout.addEventListener("click", async () => {
  await logOut();
  teardown({ keepOutbox: false });
  showLogin(t("logged_out"));
});

function startConsole(user) {
  if (state.carried && state.carried.userId !== user.id) state.carried = null;
  state.user = user;
  state.lastKeepalive = Date.now();
  ui.who.textContent = t("logged_in_as", { name: user.display_name || user.username });
  show($("#supervise-link"), (user.roles || []).includes("supervisor"));
  setPaused(user.paused);
  show(ui.loading, false);
  show(ui.loginView, false);
  show(ui.consoleView, true);
  show(ui.controls, true);
  show(ui.connection, true);
  ui.sound.checked = soundOn();
  renderNotify();
  renderCap();
  renderTabsArea();
  if (!state.socket) {
    state.socket = new Socket({
      ticket: async (signal) =>
        (await api("/api/v1/ws-ticket", { method: "POST", signal })).ticket,
      onReady: rebuild,
      onFrame: onFrame,
      onState: renderConnection,
      onGone: () => sessionLost(),
      onFallback: (failing) => {
        blocked = failing;
        renderConnection(state.socket.state);
      },
    });
  }
  state.socket.start();
}

// The session ended (expired, logged out elsewhere): hide everything and log in again.
// What the counselor wrote and the server has not acknowledged is kept in memory, and
// sent after the same counselor logs in again.
function sessionLost() {
  if (!state.user) return;
  teardown({ keepOutbox: true });
  showLogin(t("session_ended"));
}

function teardown({ keepOutbox }) {
  state.generation += 1;
  assignment.reset();
  if (state.socket) state.socket.stop();
  if (keepOutbox && state.user) {
    const outboxes = new Map();
    const forms = new Map(); // registration values the server does not have yet
    for (const conv of state.convs.values()) {
      if (conv.outbox.length && !conv.ended) outboxes.set(conv.id, conv.outbox.slice());
      if (conv.form.dirty()) forms.set(conv.id, conv.form.values());
    }
    for (const [id, values] of state.carriedForms) {
      if (!forms.has(id)) forms.set(id, values);
    }
    state.carried = { userId: state.user.id, outboxes, forms };
  } else {
    state.carried = null;
  }
  state.carriedForms = new Map();
  closeCanned({ focus: false });
  for (const conv of state.convs.values()) {
    clearTimeout(conv.gapTimer);
    conv.tab.remove();
    conv.panel.remove();
  }
  ui.tools.append(ui.end, ui.bottom);
  ui.message.value = "";
  state.convs.clear();
  state.order = [];
  state.selected = null;
  state.user = null;
  state.queue = [];
  state.queueLoaded = false;
  state.toRegister.clear();
  state.opening.clear();
  ui.alerts.replaceChildren();
  showHandovers(false, { focus: false });
  renderQueue();
  renderToRegister();
  renderTabsArea();
}

// Keep the session alive while the counselor is actually working: socket traffic does not
// count as activity on the server, so an active counselor would otherwise be logged out.
function activity() {
  state.lastActivity = Date.now();
  if (!state.user || Date.now() - state.lastKeepalive < KEEPALIVE_MS) return;
  state.lastKeepalive = Date.now();
  call("/api/v1/me")
    .then((user) => setPaused(user.paused))
    .catch(() => {});
}

// Snapshot and socket -------------------------------------------------------------------------

async function rebuild() {
  const generation = ++state.generation;
  state.queueFrameSeen = false;
  let snapshot;
  try {
    snapshot = await call("/api/v1/console/snapshot");
  } catch (error) {
    if (generation !== state.generation) return;
    if (error instanceof HttpError && error.status === 401) return;
    if (error instanceof HttpError && error.status === 404) {
      state.noRole = true;
      renderAcceptable();
      notice(t("no_chat_role"));
      return;
    }
    setTimeout(() => {
      if (generation === state.generation && state.socket?.ready) rebuild();
    }, 3000);
    return;
  }
  if (generation !== state.generation) return;
  state.noRole = false;
  state.maxChats = snapshot.max_chats;
  setPaused(snapshot.paused);
  if (!state.queueFrameSeen) applyQueue(snapshot.queue);
  // Registration values carried over a lost session: a form made from now on takes them.
  if (state.carried?.forms) state.carriedForms = state.carried.forms;
  for (const read of snapshot.conversations) ensureConv(read);
  applyToRegister(snapshot.to_register || []);
  timeKeeper().snapshot(snapshot, state.convs);
  assignment.apply(snapshot);
  // What was carried over a lost session goes back into the outbox of its chat.
  if (state.carried) {
    for (const [id, items] of state.carried.outboxes) {
      const conv = state.convs.get(id);
      if (!conv) continue;
      for (const item of items) {
        if (conv.local.has(item.clientId)) continue;
        conv.outbox.push(item);
        addLocal(conv, item);
      }
    }
    state.carried = null;
  }
  // Every chat we show, including those that ended while we were away (the server replays
  // what we missed and says they ended), from the last seq on screen; an ended chat whose
  // transcript had not arrived yet, from the start.
  for (const conv of state.convs.values()) {
    if (!conv.ended || !conv.loaded) subscribe(conv);
  }
  for (const conv of state.convs.values()) {
    if (!conv.ended) whispers.load(conv);
  }
  for (const conv of state.convs.values()) {
    for (const item of conv.outbox) sendFrame(conv, item);
    conv.form.retry(); // a save that failed while the line was down
  }
  // Unsaved registrations of ended chats from before a lost session: open them again.
  for (const id of state.carriedForms.keys()) {
    if (!state.convs.has(id) && state.toRegister.has(id)) openRegistration(id, { focus: false });
  }
  if (!state.selected && state.order.length) select(state.order[0]);
  renderCap();
  renderAcceptable();
}

function subscribe(conv) {
  conv.resubscribing = state.socket.send({ type: "subscribe", conversation: conv.id, after_seq: conv.held });
}

function resubscribe(conv) {
  if (conv.resubscribing || conv.ended) return;
  subscribe(conv);
}

function sendFrame(conv, item) {
  state.socket.send({ type: "send", conversation: conv.id, client_id: item.clientId, body: item.body });
}

function onFrame(frame) {
  switch (frame.type) {
    case "message":
      onMessage(frame);
      break;
    case "ack":
      // The stored message rides along when it is this socket's next: show it as one.
      if (frame.message) onMessage(frame.message);
      onAck(frame);
      break;
    case "conversation":
      onConversation(frame);
      break;
    case "queue":
      if (Array.isArray(frame.waiting)) {
        state.queueFrameSeen = true;
        applyQueue(frame.waiting);
      }
      break;
    case "typing":
      onTyping(frame);
      break;
    case "heartbeat":
    case "pong":
      onHeartbeat(frame.conversations || {});
      break;
    case "error":
      onError(frame);
      break;
    case "alert":
      onAlert(frame);
      break;
    case "offer":
      assignment.onOffer(frame);
      break;
    case "transfer":
      if (state.user) assignment.onTransfer(frame, state.user.id);
      break;
    case "whisper":
      onWhisper(frame);
      break;
    default:
      break;
  }
}

// The queue ------------------------------------------------------------------------------------

function applyQueue(waiting) {
  const now = Date.now();
  const before = new Map(state.queue.map((entry) => [entry.conversation, entry]));
  state.queue = waiting.map((entry) => {
    let since = now - entry.waiting_seconds * 1000;
    // The server counts whole seconds: keep our clock unless it is clearly off, so the
    // time shown does not jump back and forth with each frame.
    const old = before.get(entry.conversation);
    if (old && Math.abs(old.since - since) < 2000) since = old.since;
    // A returning chatter is offered first to their last counselor for a while; we count
    // down ourselves (the server decides at accept with its own clock).
    const offeredTo = entry.offered_to ?? null;
    let offeredUntil = offeredTo !== null && entry.offered_seconds ? now + entry.offered_seconds * 1000 : 0;
    if (old && old.offeredTo === offeredTo && Math.abs(old.offeredUntil - offeredUntil) < 2000) {
      offeredUntil = old.offeredUntil;
    }
    return {
      conversation: entry.conversation,
      visitor: entry.visitor,
      position: entry.position,
      since,
      returning: Boolean(entry.returning),
      offeredTo,
      offeredUntil,
    };
  });
  const fresh = state.queue.filter((entry) => !before.has(entry.conversation));
  if (state.queueLoaded && fresh.length && !state.paused) {
    beep("chat");
    notify("chat");
  }
  state.queueLoaded = true;
  renderQueue();
  updateTitle();
}

// Offered to a colleague (the chatter's last counselor) and the offer still runs.
function offeredToColleague(entry, now = Date.now()) {
  return entry.offeredTo !== null && entry.offeredTo !== state.user?.id && entry.offeredUntil > now;
}

function offeredToMe(entry, now = Date.now()) {
  return entry.offeredTo !== null && entry.offeredTo === state.user?.id && entry.offeredUntil > now;
}

function canAccept() {
  if (state.noRole) return { ok: false, reason: t("no_chat_role") };
  if (state.paused) return { ok: false, reason: t("reason_paused") };
  if (state.maxChats && activeCount() >= state.maxChats) {
    return { ok: false, reason: t("reason_cap", { max: state.maxChats }) };
  }
  return { ok: true, reason: "" };
}

function renderQueue() {
  const focused = document.activeElement;
  let lostFocusAt = -1;
  const keep = new Set(state.queue.map((entry) => entry.conversation));
  for (const [id, node] of state.queueNodes) {
    if (!keep.has(id)) {
      if (node.contains(focused)) lostFocusAt = Array.prototype.indexOf.call(ui.queue.children, node);
      node.remove();
      state.queueNodes.delete(id);
    }
  }
  state.queue.forEach((entry, position) => {
    let node = state.queueNodes.get(entry.conversation);
    if (!node) {
      node = queueNode(entry);
      state.queueNodes.set(entry.conversation, node);
    }
    if (ui.queue.children[position] !== node) ui.queue.insertBefore(node, ui.queue.children[position] || null);
    node.querySelector(".returning").hidden = !entry.returning;
  });
  ui.queueCount.textContent = state.queue.length ? String(state.queue.length) : "";
  show(ui.queueEmpty, state.queue.length === 0);
  tickQueue();
  renderAcceptable();
  if (lostFocusAt >= 0) {
    const next = ui.queue.children[Math.min(lostFocusAt, ui.queue.children.length - 1)];
    const target = next?.querySelector(".accept:not(:disabled)");
    (target || ui.queueTitle).focus();
  }
}

function queueNode(entry) {
  const labelId = domId("q", entry.conversation);
  const offerId = domId("qo", entry.conversation);
  const button = el(
    "button",
    { type: "button", class: "accept", "aria-describedby": `${labelId} ${offerId} accept-reason` },
    t("accept"),
  );
  button.addEventListener("click", () => accept(entry.conversation));
  return el(
    "li",
    { dataset: { conversation: entry.conversation } },
    el(
      "span",
      { class: "visitor", id: labelId },
      visitorText(entry.visitor),
      " ",
      el("span", { class: "flag returning", hidden: !entry.returning }, t("returning")),
    ),
    el("span", { class: "waited" }),
    el("span", { class: "offer", id: offerId }),
    button,
  );
}

function tickQueue() {
  const now = Date.now();
  let offerEnded = false;
  for (const entry of state.queue) {
    const node = state.queueNodes.get(entry.conversation);
    if (!node) continue;
    node.querySelector(".waited").textContent = t("waiting_for", { time: duration(now - entry.since) });
    const offer = node.querySelector(".offer");
    let text = "";
    if (offeredToMe(entry, now)) text = t("offered_to_you");
    else if (offeredToColleague(entry, now)) {
      text = t("offered_to_colleague", { seconds: Math.ceil((entry.offeredUntil - now) / 1000) });
    }
    if (offer.textContent !== text) {
      if (!text && offer.textContent) offerEnded = true;
      offer.textContent = text;
    }
    node.classList.toggle("for-you", offeredToMe(entry, now));
    node.classList.toggle("for-colleague", offeredToColleague(entry, now));
  }
  if (offerEnded) renderAcceptable();
}

// Alt+N takes the first of these: the oldest chat that is not ours already and not
// offered to a colleague right now.
function nextAcceptable() {
  const now = Date.now();
  return state.queue.find((entry) => !state.convs.has(entry.conversation) && !offeredToColleague(entry, now));
}

function renderAcceptable() {
  const { ok, reason } = canAccept();
  ui.acceptReason.textContent = reason;
  show(ui.acceptReason, !ok && state.queue.length > 0);
  const now = Date.now();
  const next = nextAcceptable();
  for (const entry of state.queue) {
    const button = state.queueNodes.get(entry.conversation)?.querySelector(".accept");
    if (!button) continue;
    button.disabled = !ok || offeredToColleague(entry, now);
    if (entry === next) button.setAttribute("aria-keyshortcuts", "Alt+N");
    else button.removeAttribute("aria-keyshortcuts");
  }
}

async function accept(id) {
  const { ok, reason } = canAccept();
  if (!ok) {
    notice(reason);
    return;
  }
  if (state.accepting) return;
  state.accepting = true;
  renderAcceptable();
  try {
    const read = await call(`/api/v1/conversations/${encodeURIComponent(id)}/accept`, { method: "POST" });
    const conv = ensureConv(read);
    if (!conv.resubscribing && state.socket?.ready) subscribe(conv);
    // Ours now: out of the queue at once, before the next queue frame says so.
    dropFromQueue(id);
    select(conv.id, { focus: "message" });
    notice(t("accepted", { visitor: visitorText(read.visitor) }));
  } catch (error) {
    if (error instanceof HttpError) {
      if (error.code === "taken") notice(t("accept_taken"));
      else if (error.code === "paused") {
        setPaused(true);
        notice(t("reason_paused"));
      } else if (error.code === "at_capacity") notice(t("reason_cap", { max: state.maxChats }));
      else if (error.code === "offered_to_colleague") notice(t("accept_offered_to_colleague"));
      else if (error.status === 404) notice(t("accept_gone"));
      else if (error.status !== 401) notice(t("accept_failed"));
    } else {
      notice(t("accept_failed"));
    }
  } finally {
    state.accepting = false;
    renderAcceptable();
  }
}

function dropFromQueue(id) {
  if (!state.queue.some((entry) => entry.conversation === id)) return;
  state.queue = state.queue.filter((entry) => entry.conversation !== id);
  renderQueue();
  updateTitle();
}

function acceptNext() {
  const next = nextAcceptable();
  if (!next) {
    notice(t(state.queue.some((entry) => !state.convs.has(entry.conversation)) ? "queue_all_offered" : "queue_empty"));
    return;
  }
  accept(next.conversation);
}

// To register ------------------------------------------------------------------------------------
//
// The counselor's ended chats whose registration is not finished: the snapshot's
// to_register, plus every chat of ours that ends. An item leaves when its registration is
// complete; closing the tab does not remove it.

function applyToRegister(items) {
  const fresh = new Map(items.map((item) => [item.conversation, item]));
  // A chat that ended after the snapshot was read is not in it yet.
  for (const conv of state.convs.values()) {
    if (conv.status === "ended" && conv.form.status() !== "complete" && !fresh.has(conv.id)) {
      const old = state.toRegister.get(conv.id);
      if (old) fresh.set(conv.id, old);
    }
  }
  state.toRegister = new Map([...fresh.values()].sort(byEnd).map((item) => [item.conversation, item]));
  renderToRegister();
}

function byEnd(a, b) {
  return String(a.ended_at || "").localeCompare(String(b.ended_at || ""));
}

function addToRegister(item) {
  if (state.toRegister.has(item.conversation)) return;
  state.toRegister.set(item.conversation, item);
  state.toRegister = new Map([...state.toRegister.values()].sort(byEnd).map((entry) => [entry.conversation, entry]));
  renderToRegister();
}

function registrationSaved(conv, registration) {
  const item = state.toRegister.get(conv.id);
  if (registration.status === "complete") {
    if (item) {
      state.toRegister.delete(conv.id);
      renderToRegister();
    }
  } else if (item && item.status !== registration.status && registration.status !== "new") {
    item.status = registration.status;
    renderToRegister();
  } else if (!item && conv.status === "ended") {
    // Completed before and put back on the list (a supervisor undid a duplicate).
    addToRegister({ conversation: conv.id, visitor: conv.visitor, ended_at: new Date().toISOString(), status: registration.status });
  }
}

function registrationComplete(conv) {
  notice(t("registration_done", { name: t("chat_name", { visitor: visitorText(conv.visitor), code: shortCode(conv.id) }) }));
}

function renderToRegister() {
  const focusedId = ui.toRegister.contains(document.activeElement)
    ? document.activeElement.closest("li")?.dataset.conversation
    : null;
  const items = [...state.toRegister.values()];
  ui.toRegister.replaceChildren(
    ...items.map((item) => {
      const name = t("chat_name", { visitor: visitorText(item.visitor), code: shortCode(item.conversation) });
      const when = item.ended_at ? t("ended_at", { time: clockTime(item.ended_at, config.locale) }) : "";
      const button = el(
        "button",
        { type: "button", class: "todo-open", dataset: { conversation: item.conversation } },
        el("span", { class: "todo-name" }, name),
        el("span", { class: "todo-meta" }, [when, t(`todo_${item.status === "draft" ? "draft" : "new"}`)].filter(Boolean).join(" · ")),
      );
      button.addEventListener("click", () => openRegistration(item.conversation, { focus: "form" }));
      return el("li", { dataset: { conversation: item.conversation } }, button);
    }),
  );
  ui.toRegisterCount.textContent = items.length ? String(items.length) : "";
  show(ui.toRegisterEmpty, items.length === 0);
  if (focusedId) {
    const same = ui.toRegister.querySelector(`li[data-conversation="${CSS.escape(focusedId)}"] button`);
    (same || ui.toRegister.querySelector("button") || $("#to-register-title")).focus();
  }
}

// Opens (or selects) the tab of an ended chat: its transcript, read-only, and its form.
async function openRegistration(id, { focus = "form" } = {}) {
  if (focus && !ui.handoversView.hidden) showHandovers(false, { focus: false });
  if (state.convs.has(id)) {
    select(id, { focus: focus === "form" ? null : focus });
    if (focus === "form") state.convs.get(id).form.focusFirst();
    return;
  }
  if (state.opening.has(id)) return;
  state.opening.add(id);
  try {
    const read = await call(`/api/v1/conversations/${encodeURIComponent(id)}`);
    if (!state.user) return;
    const conv = ensureConv(read);
    if (state.socket?.ready && !conv.loaded) subscribe(conv); // the server replays it from 0
    if (focus) {
      select(conv.id);
      if (focus === "form") conv.form.focusFirst();
    }
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) {
      state.toRegister.delete(id);
      renderToRegister();
      notice(t("todo_gone"));
    } else if (!(error instanceof HttpError && error.status === 401)) {
      notice(t("todo_open_failed"));
    }
  } finally {
    state.opening.delete(id);
  }
}

// Supervisors: acute danger ------------------------------------------------------------------------

// Whispers (whispers.js): shown inline, never counted as unread chat messages.
const whispers = whisperTools({ call, t, locale: config.locale, problem: () => t("whisper_failed") });

function onWhisper(frame) {
  const conv = state.convs.get(frame.conversation);
  if (conv && whispers.show(conv, frame)) {
    scrollIfPinned(conv);
    if (frame.from?.id !== state.user?.id) beep("message");
  }
}

function onAlert(frame) {
  if (frame.kind !== "acute_danger" || !state.user?.roles?.includes("supervisor")) return;
  const text = t("alert_acute", { name: frame.counselor || "?", code: shortCode(frame.conversation || "") });
  const time = frame.at ? el("time", { datetime: frame.at }, clockTime(frame.at, config.locale)) : null;
  const dismiss = el("button", { type: "button", class: "secondary" }, t("alert_dismiss"));
  const banner = el(
    "div",
    { class: "alert-banner", role: "alert", dataset: { conversation: frame.conversation || "" } },
    el("p", {}, el("strong", {}, text), time ? " " : null, time),
    dismiss,
  );
  dismiss.addEventListener("click", () => {
    const next = banner.nextElementSibling || banner.previousElementSibling;
    banner.remove();
    (next?.querySelector("button") || current()?.tab || ui.queueTitle).focus();
  });
  ui.alerts.prepend(banner);
  beep("alert");
  notify("alert", null);
}

// Handovers ----------------------------------------------------------------------------------------

function showHandovers(visible, { focus = true } = {}) {
  const open = Boolean(visible) && typeof handovers.mountHandoverView === "function";
  if (visible && !open) {
    if (focus) notice(t("handovers_unavailable"));
    return;
  }
  if (open && !state.handoverView) {
    state.handoverView = safely(() => handovers.mountHandoverView(ui.handoversView, caseEnv(null))) || {};
  }
  show(ui.handoversView, open);
  show(ui.chats, !open);
  ui.handoversButton.setAttribute("aria-pressed", open ? "true" : "false");
  if (open) {
    closeCanned({ focus: false });
    safely(() => state.handoverView.show?.());
    if (focus) ui.handoversView.focus();
  } else if (focus) {
    ui.handoversButton.focus();
  }
}

ui.handoversButton.addEventListener("click", () => showHandovers(ui.handoversView.hidden));
ui.handoversView.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !event.defaultPrevented && !event.altKey && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();
    showHandovers(false);
  }
});

// Canned replies -----------------------------------------------------------------------------------
//
// Alt+K in the message box: a filterable list; Enter puts the reply, in the chat's own
// language, where the cursor is. Fetched once.

let cannedPromise = null;
const canned = { items: [], shown: [], active: 0, conv: null, selection: [0, 0] };

function loadCanned() {
  if (!cannedPromise) {
    cannedPromise = call("/api/v1/canned");
    cannedPromise.catch(() => {
      cannedPromise = null;
    });
  }
  return cannedPromise;
}

function localText(text, locale) {
  return text?.[locale] || text?.nl || text?.en || "";
}

async function openCanned() {
  const conv = current();
  if (!conv || conv.ended) return;
  canned.conv = conv;
  canned.selection = [ui.message.selectionStart, ui.message.selectionEnd];
  try {
    canned.items = await loadCanned();
  } catch (error) {
    if (!(error instanceof HttpError && error.status === 401)) notice(t("canned_failed"));
    return;
  }
  if (current() !== conv || conv.ended) return;
  ui.cannedFilter.value = "";
  ui.cannedList.setAttribute("aria-label", t("canned_list", { language: t(`language_${conv.locale}`) }));
  show(ui.canned, true);
  ui.cannedFilter.setAttribute("aria-expanded", "true");
  filterCanned();
  ui.cannedFilter.focus();
}

function closeCanned({ focus = true } = {}) {
  if (ui.canned.hidden) return;
  show(ui.canned, false);
  ui.cannedFilter.setAttribute("aria-expanded", "false");
  ui.cannedFilter.removeAttribute("aria-activedescendant");
  if (focus && current() && !current().ended) {
    ui.message.focus();
    ui.message.setSelectionRange(...canned.selection);
  }
}

function filterCanned() {
  const locale = canned.conv?.locale || "nl";
  const words = ui.cannedFilter.value.toLowerCase().split(/\s+/).filter(Boolean);
  canned.shown = canned.items.filter((item) => {
    const haystack = [item.key, item.title?.nl, item.title?.en, localText(item.body, locale)].join(" ").toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
  canned.active = 0;
  ui.cannedList.replaceChildren(
    ...canned.shown.map((item, index) => {
      const option = el(
        "li",
        { role: "option", id: `canned-${index}`, "aria-selected": "false", dataset: { key: item.key } },
        el("span", { class: "canned-title" }, localText(item.title, config.locale)),
        el("span", { class: "canned-body", lang: locale }, localText(item.body, locale)),
      );
      // pointerdown, not click: the filter keeps focus, so the list stays open.
      option.addEventListener("pointerdown", (event) => {
        event.preventDefault();
        insertCanned(item);
      });
      return option;
    }),
  );
  show(ui.cannedEmpty, canned.shown.length === 0);
  markCanned();
}

function markCanned() {
  const options = ui.cannedList.querySelectorAll("[role=option]");
  options.forEach((option, index) => option.setAttribute("aria-selected", index === canned.active ? "true" : "false"));
  const active = options[canned.active];
  if (active) {
    ui.cannedFilter.setAttribute("aria-activedescendant", active.id);
    active.scrollIntoView({ block: "nearest" });
  } else {
    ui.cannedFilter.removeAttribute("aria-activedescendant");
  }
}

function insertCanned(item) {
  const conv = canned.conv;
  if (!conv || conv !== current() || conv.ended) {
    closeCanned();
    return;
  }
  const body = localText(item.body, conv.locale);
  show(ui.canned, false);
  ui.cannedFilter.setAttribute("aria-expanded", "false");
  ui.message.focus();
  const [start, end] = canned.selection;
  ui.message.setRangeText(body, start, end, "end");
  ui.message.dispatchEvent(new Event("input", { bubbles: true }));
}

ui.cannedFilter.addEventListener("input", filterCanned);
ui.cannedFilter.addEventListener("keydown", (event) => {
  const count = canned.shown.length;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    if (count) canned.active = (canned.active + (event.key === "ArrowDown" ? 1 : -1) + count) % count;
    markCanned();
  } else if (event.key === "Enter") {
    event.preventDefault();
    if (canned.shown[canned.active]) insertCanned(canned.shown[canned.active]);
  } else if (event.key === "Escape") {
    event.preventDefault();
    event.stopPropagation();
    closeCanned();
  }
});
ui.cannedFilter.addEventListener("blur", () => {
  // Focus went elsewhere (a click, Tab): close without taking focus back.
  setTimeout(() => {
    if (!ui.canned.contains(document.activeElement)) closeCanned({ focus: false });
  }, 0);
});

// Pause and cap ---------------------------------------------------------------------------------

function setPaused(paused) {
  state.paused = Boolean(paused);
  ui.pause.checked = state.paused;
  renderAcceptable();
}

let pauseBusy = false;
ui.pause.addEventListener("change", async () => {
  const wanted = ui.pause.checked;
  if (pauseBusy) {
    ui.pause.checked = state.paused;
    return;
  }
  pauseBusy = true;
  try {
    const user = await call("/api/v1/me/pause", { method: "POST", body: { paused: wanted } });
    setPaused(user.paused);
    notice(user.paused ? t("paused_now") : t("resumed_now"));
  } catch (error) {
    setPaused(!wanted);
    if (!(error instanceof HttpError && error.status === 401)) notice(t("pause_failed"));
  } finally {
    pauseBusy = false;
  }
});

function activeCount() {
  let count = 0;
  for (const conv of state.convs.values()) if (!conv.ended) count += 1;
  return count;
}

function renderCap() {
  ui.cap.textContent = state.maxChats ? t("cap", { count: activeCount(), max: state.maxChats }) : "";
}

// Conversations and tabs --------------------------------------------------------------------------

function ensureConv(read) {
  let conv = state.convs.get(read.id);
  if (conv) {
    if (read.returning) markReturning(conv);
    if (FINAL.has(read.status)) setStatus(conv, read.status);
    return conv;
  }
  conv = newConv(read);
  state.convs.set(conv.id, conv);
  state.order.push(conv.id);
  ui.tabs.append(conv.tab);
  ui.panels.append(conv.panel);
  renumberTabs();
  renderTabsArea();
  if (FINAL.has(read.status)) setStatus(conv, read.status);
  renderCap();
  renderAcceptable();
  return conv;
}

function newConv(read) {
  const id = read.id;
  const tabId = domId("tab", id);
  const panelId = domId("panel", id);
  const name = t("chat_name", { visitor: visitorText(read.visitor), code: shortCode(id) });

  const badge = el("span", { class: "unread", "aria-hidden": "true", hidden: true });
  const unreadText = el("span", { class: "visually-hidden" });
  const stateText = el("span", { class: "tab-state" });
  const number = el("span", { class: "num", "aria-hidden": "true" });
  const tabFlag = el("span", { class: "flag returning", hidden: true }, t("returning"));
  const tab = el(
    "button",
    {
      type: "button",
      role: "tab",
      id: tabId,
      class: "tab",
      "aria-controls": panelId,
      "aria-selected": "false",
      tabindex: "-1",
      dataset: { conversation: id },
    },
    number,
    el("span", { class: "tab-label" }, name),
    tabFlag,
    stateText,
    badge,
    unreadText,
  );
  tab.addEventListener("click", () => select(id, { focus: "tab" }));

  // role=log on a wrapper, not on the list: an li must stay inside a plain list.
  const log = el("ol", { class: "log-list" });
  const scroller = el("div", {
    class: "log",
    role: "log",
    "aria-live": "polite",
    "aria-label": t("messages_of", { name }),
    tabindex: "0",
  }, log);
  const closeButton = el("button", { type: "button", class: "secondary close-tab", hidden: true }, t("close_tab"));
  closeButton.addEventListener("click", () => closeTab(id));
  const meta = el("p", { class: "meta" });
  if (read.accepted_at) meta.textContent = t("accepted_at", { time: clockTime(read.accepted_at, config.locale) });
  const headFlag = el("span", { class: "flag returning", hidden: true }, t("returning"));
  const language = el("span", { class: "flag language", hidden: read.locale !== "en" }, t("chat_in_english"));
  const ended = el("p", { class: "ended-note", hidden: true });
  const actions = el("div", { class: "panel-actions" }, closeButton);
  const chatCol = el("div", { class: "chat-col" });
  const side = el("div", { class: "side" });
  const panel = el(
    "div",
    { role: "tabpanel", id: panelId, class: "panel", "aria-labelledby": tabId, hidden: true },
    el("div", { class: "panel-head" }, el("h3", {}, name), headFlag, language, meta, actions),
    ended,
    el("div", { class: "panel-body" }, chatCol, side),
  );

  const conv = {
    id,
    visitor: read.visitor,
    status: read.status,
    locale: read.locale === "en" ? "en" : "nl",
    returning: false,
    acceptedAt: read.accepted_at,
    ended: false,
    held: 0, // the highest seq on screen
    loaded: false, // the first replay is done: from now on, new messages are news
    resubscribing: false,
    gapTimer: null,
    unread: 0,
    readSent: 0,
    outbox: [], // [{clientId, body}] not acknowledged yet, in the order written
    local: new Map(), // clientId -> li of our own message until the server's copy arrives
    draft: "",
    typingSentAt: 0,
    typingTimer: null,
    chatterTypingUntil: 0,
    pinned: true,
    tab,
    badge,
    unreadText,
    stateText,
    number,
    panel,
    log,
    scroller,
    closeButton,
    actions,
    chatCol,
    side,
    flags: [tabFlag, headFlag],
    ended_note: ended,
    form: null,
    tools: null,
  };
  scroller.addEventListener("scroll", () => {
    conv.pinned = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  });

  const carried = state.carriedForms.get(id) || null;
  state.carriedForms.delete(id);
  conv.form = registrationForm(
    { id, ended: FINAL.has(read.status) },
    {
      call,
      t,
      locale: config.locale,
      carried,
      onSaved: (registration) => registrationSaved(conv, registration),
      onComplete: () => registrationComplete(conv),
      onReloaded: () => safely(() => conv.tools?.refresh()),
      onEscape: () => leaveForm(conv),
      onEscalation: () => beep("alert"),
    },
  );
  chatCol.append(conv.form.alertElement, scroller);
  side.append(conv.form.element);
  conv.tools = makeCaseTools(conv, read);
  if (conv.tools) side.append(conv.tools.element);
  if (read.returning) markReturning(conv);
  return conv;
}

function markReturning(conv) {
  conv.returning = true;
  for (const flag of conv.flags) flag.hidden = false;
}

// A module of another team must not take the console down with it.
function safely(work) {
  try {
    return work();
  } catch (error) {
    console.error(error);
    return undefined;
  }
}

function caseEnv(conv) {
  return {
    call,
    t,
    locale: config.locale,
    retentionDays: config.retentionDays,
    user: state.user,
    registration: () => (conv ? conv.form.values() : null),
    reloadRegistration: () => (conv ? conv.form.reload() : Promise.resolve()),
    notice,
  };
}

function makeCaseTools(conv, read) {
  if (typeof casetools.caseTools !== "function") return null;
  const tools = safely(() =>
    casetools.caseTools(
      { id: conv.id, status: read.status, returning: Boolean(read.returning), locale: conv.locale },
      caseEnv(conv),
    ),
  );
  if (!tools || !(tools.element instanceof HTMLElement)) return null;
  return {
    element: tools.element,
    refresh: () => safely(() => tools.refresh?.()),
    ended: () => safely(() => tools.ended?.()),
  };
}

function renumberTabs() {
  state.order.forEach((id, index) => {
    const conv = state.convs.get(id);
    conv.number.textContent = index < 9 ? String(index + 1) : "";
    if (index < 9) conv.tab.setAttribute("aria-keyshortcuts", `Alt+${index + 1}`);
    else conv.tab.removeAttribute("aria-keyshortcuts");
  });
}

function renderTabsArea() {
  const any = state.order.length > 0;
  show(ui.tabs, any);
  show(ui.noChats, !any);
}

function current() {
  return state.selected ? state.convs.get(state.selected) : null;
}

// focus: "tab", "message" or null (leave focus where it is)
function select(id, { focus = null } = {}) {
  const conv = state.convs.get(id);
  if (!conv) return;
  const previous = current();
  const hadMessageFocus = document.activeElement === ui.message;
  if (focus && !ui.handoversView.hidden) showHandovers(false, { focus: false });
  if (previous && previous !== conv) {
    previous.draft = ui.message.value;
    stopTyping(previous);
    previous.form.flush(); // leaving the tab: what is unsaved goes now
    closeCanned({ focus: false });
  }
  state.selected = id;
  for (const other of state.convs.values()) {
    const on = other === conv;
    other.tab.setAttribute("aria-selected", on ? "true" : "false");
    other.tab.tabIndex = on ? 0 : -1;
    other.panel.hidden = !on;
  }
  if (previous !== conv) {
    conv.actions.prepend(ui.end);
    conv.chatCol.append(ui.bottom);
    ui.message.value = conv.draft;
  }
  renderComposer();
  renderTyping();
  if (conv.pinned) conv.scroller.scrollTop = conv.scroller.scrollHeight;
  seen(conv);
  if (focus === "message" && !conv.ended) ui.message.focus();
  else if (focus === "tab" || (focus === "message" && conv.ended)) conv.tab.focus();
  else if (hadMessageFocus && !conv.ended) ui.message.focus();
}

function selectOffset(step, focus) {
  if (!state.order.length) return;
  const index = Math.max(0, state.order.indexOf(state.selected));
  const next = (index + step + state.order.length) % state.order.length;
  select(state.order[next], { focus });
}

ui.tabs.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const moves = { ArrowLeft: -1, ArrowRight: 1 };
  if (event.key in moves) {
    event.preventDefault();
    selectOffset(moves[event.key], "tab");
  } else if (event.key === "Home" && state.order.length) {
    event.preventDefault();
    select(state.order[0], { focus: "tab" });
  } else if (event.key === "End" && state.order.length) {
    event.preventDefault();
    select(state.order[state.order.length - 1], { focus: "tab" });
  }
});

// register: false when the chat only stopped being ours (not_found): not for our list.
function setStatus(conv, status, { register = true } = {}) {
  conv.status = status;
  if (!FINAL.has(status) || conv.ended) return;
  conv.ended = true;
  conv.form.ended();
  conv.tools?.ended();
  timeKeeper().ended(conv);
  if (register && status === "ended" && conv.form.status() !== "complete") {
    addToRegister({
      conversation: conv.id,
      visitor: conv.visitor,
      ended_at: new Date().toISOString(),
      status: conv.form.status() === "new" ? "new" : "draft",
    });
  }
  clearTimeout(conv.gapTimer);
  conv.tab.classList.add("ended");
  conv.stateText.textContent = t("tab_ended");
  conv.ended_note.textContent = t(status === "abandoned" ? "chat_abandoned" : "chat_ended");
  show(conv.ended_note, true);
  show(conv.closeButton, true);
  conv.chatterTypingUntil = 0;
  conv.draft = "";
  if (conv === current()) {
    // Focus in the message box would be lost: put it on the log, where a key typed by
    // habit does nothing (on the close button, Enter would close the tab unseen).
    const hadFocus = conv.chatCol.contains(document.activeElement);
    closeCanned({ focus: false });
    ui.message.value = "";
    renderComposer();
    renderTyping();
    if (hadFocus) conv.scroller.focus();
  }
  renderCap();
  renderAcceptable();
}

function renderComposer() {
  const conv = current();
  const open = Boolean(conv && !conv.ended);
  ui.message.disabled = !open;
  ui.send.disabled = !open;
  show(ui.end, open);
}

function closeTab(id) {
  const conv = state.convs.get(id);
  if (!conv) return;
  const index = state.order.indexOf(id);
  conv.form.flush(); // the form outlives its tab until this save is done
  state.socket?.send({ type: "unsubscribe", conversation: id });
  clearTimeout(conv.gapTimer);
  if (state.selected === id) {
    closeCanned({ focus: false });
    ui.tools.append(ui.end, ui.bottom);
    ui.message.value = "";
    state.selected = null;
  }
  conv.tab.remove();
  conv.panel.remove();
  state.convs.delete(id);
  timeKeeper().forget(id);
  state.order.splice(index, 1);
  renumberTabs();
  renderTabsArea();
  updateTitle();
  if (!state.selected && state.order.length) {
    select(state.order[Math.min(index, state.order.length - 1)], { focus: "tab" });
  } else if (!state.order.length) {
    ui.queueTitle.focus();
  }
}

// Messages -----------------------------------------------------------------------------------

function senderName(sender) {
  return sender === "chatter" ? t("sender_chatter") : t("sender_you");
}

function systemText(message) {
  return message.code && SYSTEM_CODES.has(message.code) ? t(`system_${message.code}`) : message.body;
}

function messageNode(message) {
  const time = el("time", { datetime: message.created_at }, clockTime(message.created_at, config.locale));
  if (message.sender === "system") {
    const attrs = { class: "system", dataset: { seq: String(message.seq) } };
    if (message.code) attrs.dataset.code = message.code;
    if (message.code === "quick_exit") attrs.class = "system alert";
    return el("li", attrs, el("span", { class: "text" }, systemText(message)), " ", time);
  }
  return el(
    "li",
    { class: message.sender, dataset: { seq: String(message.seq) } },
    el("div", { class: "meta" }, el("span", { class: "who" }, senderName(message.sender)), " ", time),
    el("p", { class: "body" }, message.body),
  );
}

function fillOwn(li, message) {
  li.className = "counselor";
  li.dataset.seq = String(message.seq);
  li.replaceChildren(...messageNode(message).childNodes);
}

function firstLocal(conv) {
  return conv.log.querySelector("li.local");
}

function scrollIfPinned(conv, force = false) {
  if ((conv.pinned || force) && conv === current()) conv.scroller.scrollTop = conv.scroller.scrollHeight;
}

function onMessage(message) {
  const conv = state.convs.get(message.conversation);
  if (!conv) return;
  const place = placeOf(message.seq, conv.held);
  if (place === "shown") return;
  if (place === "gap") {
    resubscribe(conv); // ask again from what we hold
    return;
  }
  conv.held = message.seq;
  const mine = message.sender === "counselor" ? conv.local.get(message.client_id) : undefined;
  if (mine) {
    conv.local.delete(message.client_id);
    conv.outbox = conv.outbox.filter((item) => item.clientId !== message.client_id);
    fillOwn(mine, message);
    conv.log.insertBefore(mine, firstLocal(conv));
  } else {
    conv.log.insertBefore(messageNode(message), firstLocal(conv));
  }
  if (message.sender === "chatter") conv.chatterTypingUntil = 0;
  if (conv === current()) renderTyping();
  timeKeeper().message(conv, message);
  scrollIfPinned(conv);
  const news = message.sender === "chatter" || (message.sender === "system" && message.code !== "counselor_joined");
  if (conv.loaded && news) {
    if (conv === current() && !document.hidden) {
      seen(conv);
    } else {
      conv.unread += 1;
      renderUnread(conv);
      beep("message");
      notify("message", conv.id);
    }
  } else if (conv === current() && !document.hidden) {
    seen(conv);
  }
}

function addLocal(conv, item) {
  const status = el("span", { class: "status" }, t("sending"));
  const li = el(
    "li",
    { class: "counselor local pending", dataset: { clientId: item.clientId } },
    el("div", { class: "meta" }, el("span", { class: "who" }, t("sender_you")), " ", status),
    el("p", { class: "body" }, item.body),
  );
  conv.local.set(item.clientId, li);
  conv.log.append(li);
  return li;
}

function onAck(ack) {
  const conv = state.convs.get(ack.conversation);
  if (!conv) return;
  conv.outbox = conv.outbox.filter((item) => item.clientId !== ack.client_id);
  const li = conv.local.get(ack.client_id);
  if (!li) return;
  li.classList.remove("pending", "failed");
  li.dataset.seq = String(ack.seq);
  const status = li.querySelector(".status");
  if (status) {
    status.replaceWith(el("time", { datetime: ack.created_at }, clockTime(ack.created_at, config.locale)));
  }
  if (ack.seq <= conv.held) {
    // The server's copy was already shown (it came before the ack): drop ours.
    conv.local.delete(ack.client_id);
    li.remove();
  }
}

function onConversation(frame) {
  const conv = state.convs.get(frame.conversation);
  if (!conv) return;
  conv.resubscribing = false;
  conv.loaded = true;
  setStatus(conv, frame.status);
}

function onHeartbeat(latest) {
  for (const [id, last] of Object.entries(latest)) {
    const conv = state.convs.get(id);
    if (!conv || last <= conv.held) continue;
    clearTimeout(conv.gapTimer);
    conv.gapTimer = setTimeout(() => {
      if (conv.held < last && state.convs.get(id) === conv) {
        conv.resubscribing = false;
        subscribe(conv);
      }
    }, GAP_GRACE_MS);
  }
}

function onError(frame) {
  const conv = frame.conversation ? state.convs.get(frame.conversation) : null;
  if (frame.client_id) {
    for (const candidate of conv ? [conv] : state.convs.values()) {
      const li = candidate.local.get(frame.client_id);
      candidate.outbox = candidate.outbox.filter((item) => item.clientId !== frame.client_id);
      if (!li) continue;
      li.classList.remove("pending");
      li.classList.add("failed");
      const ended = frame.code === "not_active" || frame.code === "conversation_ended";
      const status = li.querySelector(".status");
      if (status) status.textContent = t(ended ? "not_sent_ended" : "not_sent");
    }
    return;
  }
  if (!conv) return;
  if (frame.code === "not_found") {
    // No longer ours (or gone): keep what is on screen, read-only.
    conv.resubscribing = false;
    conv.loaded = true;
    setStatus(conv, "ended", { register: false });
  } else if (frame.code === "purged") {
    // Retention deleted the text: say so where the transcript would be, not an empty log.
    conv.resubscribing = false;
    conv.loaded = true;
    if (!conv.log.querySelector("li.purged")) {
      conv.log.append(
        el("li", { class: "system purged" }, t("transcript_purged", { days: config.retentionDays })),
      );
    }
  } else if (frame.code === "bad_cursor") {
    // We hold more than the server has: start this chat over from the beginning.
    for (const li of conv.log.querySelectorAll("li:not(.local)")) li.remove();
    conv.held = 0;
    conv.resubscribing = false;
    subscribe(conv);
  } else {
    conv.resubscribing = false;
  }
}

// Unread and read --------------------------------------------------------------------------------

function renderUnread(conv) {
  conv.badge.textContent = conv.unread ? String(conv.unread) : "";
  conv.badge.hidden = conv.unread === 0;
  conv.unreadText.textContent = conv.unread ? t("unread", { count: conv.unread }) : "";
  updateTitle();
}

// The counselor looks at this chat now: clear its badge and tell the chatter it was read.
function seen(conv) {
  if (document.hidden || conv !== current()) return;
  if (conv.unread) {
    conv.unread = 0;
    renderUnread(conv);
  }
  if (!conv.ended && conv.held > conv.readSent && state.socket?.send({ type: "read", conversation: conv.id, seq: conv.held })) {
    conv.readSent = conv.held;
  }
}

document.addEventListener("visibilitychange", () => {
  const conv = current();
  if (conv) seen(conv);
});

// Typing ---------------------------------------------------------------------------------------

function onTyping(frame) {
  const conv = state.convs.get(frame.conversation);
  if (!conv || frame.sender !== "chatter") return;
  conv.chatterTypingUntil = frame.active && !conv.ended ? Date.now() + TYPING_SHOWN_MS : 0;
  if (conv === current()) renderTyping();
}

function renderTyping() {
  const conv = current();
  const text = conv && conv.chatterTypingUntil > Date.now() ? t("chatter_typing") : "";
  if (ui.typing.textContent !== text) ui.typing.textContent = text;
}

function stopTyping(conv) {
  clearTimeout(conv.typingTimer);
  if (conv.typingSentAt) {
    conv.typingSentAt = 0;
    if (!conv.ended) state.socket?.send({ type: "typing", conversation: conv.id, active: false });
  }
}

ui.message.addEventListener("input", () => {
  const conv = current();
  if (!conv || conv.ended) return;
  if (!ui.message.value.trim()) {
    stopTyping(conv);
    return;
  }
  const now = Date.now();
  if (now - conv.typingSentAt > TYPING_EVERY_MS) {
    if (state.socket?.send({ type: "typing", conversation: conv.id, active: true })) conv.typingSentAt = now;
  }
  clearTimeout(conv.typingTimer);
  conv.typingTimer = setTimeout(() => stopTyping(conv), TYPING_IDLE_MS);
});

// Sending ---------------------------------------------------------------------------------------

function sendMessage() {
  const conv = current();
  if (!conv || conv.ended) return;
  const body = ui.message.value;
  if (!body.trim()) return;
  if (body.length > config.maxChars) {
    notice(t("too_long"));
    return;
  }
  const item = { clientId: newClientId(), body };
  conv.outbox.push(item);
  addLocal(conv, item);
  ui.message.value = "";
  conv.draft = "";
  stopTyping(conv);
  scrollIfPinned(conv, true);
  conv.pinned = true;
  sendFrame(conv, item); // kept in the outbox if the socket is down; sent on ready
}

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  sendMessage();
  ui.message.focus();
});

ui.message.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && !event.isComposing) {
    event.preventDefault();
    sendMessage();
  } else if (event.key === "Escape") {
    event.preventDefault();
    current()?.tab.focus();
  } else if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.code === "KeyK") {
    event.preventDefault();
    event.stopPropagation();
    openCanned();
  }
});

// Esc in the form: back to the message box, or to the tab of an ended chat.
function leaveForm(conv) {
  if (conv !== current()) return;
  if (!conv.ended) ui.message.focus();
  else conv.tab.focus();
}

// Ending --------------------------------------------------------------------------------------

async function endChat() {
  const conv = current();
  if (!conv || conv.ended) return;
  if (!window.confirm(t("confirm_end"))) return;
  try {
    const read = await call(`/api/v1/conversations/${encodeURIComponent(conv.id)}/end`, { method: "POST" });
    setStatus(conv, read.status);
    if (conv === current()) conv.closeButton.focus();
  } catch (error) {
    if (!(error instanceof HttpError && error.status === 401)) notice(t("end_failed"));
  }
}

ui.end.addEventListener("click", endChat);

// Sound and notification switches ------------------------------------------------------------

ui.sound.addEventListener("change", () => {
  try {
    localStorage.setItem(SOUND_KEY, ui.sound.checked ? "on" : "off");
  } catch {
    // storage refused: the switch still works for this page
  }
  if (ui.sound.checked) {
    unlockAudio();
    beep("message");
  }
});

ui.notify.addEventListener("click", async () => {
  if (!("Notification" in window)) return;
  try {
    await Notification.requestPermission();
  } catch {
    // an old browser with the callback form only: leave it
  }
  renderNotify();
  if (notifyPermission() === "granted") notice(t("notify_on"));
  else if (notifyPermission() === "denied") notice(t("notify_denied"));
  ui.sound.focus();
});

// Keyboard -------------------------------------------------------------------------------------

document.addEventListener("keydown", (event) => {
  if (!state.user || !event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  // event.code, not event.key: Alt+letter types other characters on some keyboards.
  const code = event.code;
  let handled = true;
  if (code === "KeyN") acceptNext();
  else if (code === "KeyE") endChat();
  else if (code === "KeyP") {
    ui.pause.checked = !ui.pause.checked;
    ui.pause.dispatchEvent(new Event("change"));
  } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
    const inMessage = document.activeElement === ui.message;
    selectOffset(event.key === "ArrowLeft" ? -1 : 1, inMessage ? "message" : "tab");
  } else if (/^Digit[1-9]$/.test(code)) {
    const id = state.order[Number(code.slice(5)) - 1];
    if (id) select(id, { focus: document.activeElement === ui.message ? "message" : "tab" });
  } else if (code === "KeyR") {
    const conv = current();
    if (conv && !ui.handoversView.hidden) showHandovers(false, { focus: false });
    if (conv) conv.form.focusFirst();
    else notice(t("no_chat_for_form"));
  } else if (code === "KeyO") {
    showHandovers(ui.handoversView.hidden);
  } else if (code === "KeyT") {
    assignment.openTransfer();
  } else handled = false;
  if (handled) event.preventDefault();
});

for (const name of ["keydown", "pointerdown"]) {
  document.addEventListener(
    name,
    () => {
      unlockAudio();
      activity();
    },
    { capture: true, passive: true },
  );
}

// Leaving the page: what the forms have not saved goes with keepalive, so a reload or a
// closed window keeps the last edits.
window.addEventListener("pagehide", () => {
  for (const conv of state.convs.values()) conv.form.flush({ keepalive: true });
});

// Clock ----------------------------------------------------------------------------------------

setInterval(() => {
  tickQueue();
  renderTyping();
}, 1000);

// Offers and transfers (assignment.js) ----------------------------------------------------------

const assignment = mountAssignment({
  call,
  notice,
  visitorText,
  current,
  toolsAnchor: ui.end,
  // An accepted offer or transfer: the chat becomes a tab of ours, as after an accept.
  take(read) {
    const conv = ensureConv(read);
    if (!conv.resubscribing && state.socket?.ready) subscribe(conv);
    dropFromQueue(read.id);
    select(conv.id, { focus: "message" });
    notice(t("accepted", { visitor: visitorText(read.visitor) }));
    renderCap();
    renderAcceptable();
  },
  // Handed on: no longer ours; what is on screen stays, read-only.
  release(id) {
    const conv = state.convs.get(id);
    if (conv && !conv.ended) setStatus(conv, "ended", { register: false });
    renderCap();
    renderAcceptable();
  },
});

// Start ------------------------------------------------------------------------------------------

async function boot() {
  try {
    const user = await fetchMe();
    startConsole(user);
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) showLogin();
    else {
      showLogin();
      ui.loginInfo.textContent = t("server_unreachable");
    }
  }
}

boot();

// The closing time and the idle countdowns (consoletime.js), made at first use.
let clocks = null;
function timeKeeper() {
  clocks ??= consoleTime({ call, t, locale: config.locale, node: $("#closing") });
  return clocks;
}
