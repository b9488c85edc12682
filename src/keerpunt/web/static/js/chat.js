// The chatter's page. What matters most: a message is never lost and never shown twice.
//
// - The chat (its id and the chatter token) lives in sessionStorage: gone when the tab
//   closes, never in a cookie or an address.
// - Messages not yet acknowledged live in memory only (a shared phone keeps nothing) and
//   are sent again with their original client_id after a reconnect; the server stores
//   each client_id once.
// - The list shows a message only when its seq is the next one; anything else is a gap,
//   and we ask again from the last seq we hold.
// - A chatter with an account keeps the token of their log-in in the same place, with
//   their user name. The account views live in account.js, loaded at the first click.
import { $, clockTime, el, show } from "./dom.js";
import { HttpError, Socket, api, backoff, newClientId, placeOf } from "./socket.js";
import { config, t } from "./strings.js";

const STORE_KEY = "keerpunt.chat";
const CAMPAIGN_KEY = "keerpunt.campaign";
const TYPING_EVERY_MS = 3000;
const TYPING_IDLE_MS = 4000;

const state = {
  id: null,
  token: null,
  username: null, // set while logged in to an account
  status: null, // queued | active | ended | abandoned
  lastSeq: 0,
  pending: new Map(), // client_id -> { body, node, sent }
  socket: null,
  polling: false,
  pollAbort: null,
  typingSentAt: 0,
  typingTimer: null,
  queue: null, // last position frame
};

const ui = {
  intro: $("#intro"),
  help: $("#help-lines"),
  start: $("#start"),
  startError: $("#start-error"),
  chat: $("#chat"),
  connection: $("#connection"),
  queue: $("#queue"),
  log: $("#log"),
  messages: $("#messages"),
  typing: $("#typing"),
  composer: $("#composer"),
  input: $("#message"),
  end: $("#end"),
  ended: $("#ended"),
  feedback: $("#feedback"),
  feedbackThanks: $("#feedback-thanks"),
  again: $("#again"),
  accountOut: $("#account-out"),
  accountIn: $("#account-in"),
  accountWho: $("#account-who"),
  accountStatus: $("#account-status"),
  endedAccount: $("#ended-account"),
};

// ---- quick exit: first, so it works even if something below fails ---------------------

function quickExit() {
  const { id, token, status } = state;
  if (id && token && (status === "queued" || status === "active")) {
    // keepalive lets the request finish after the page is gone; the counselor is told.
    api(`/api/v1/conversations/${id}/end`, {
      method: "POST",
      token,
      body: { reason: "quick_exit" },
      keepalive: true,
    }).catch(() => {});
  } else if (token && state.username) {
    // The log-in stops working too. Not beside an open chat: the two requests would race,
    // and the counselor's "left with quick exit" matters more.
    api("/api/v1/chatter/logout", { method: "POST", token, keepalive: true }).catch(() => {});
  }
  try {
    sessionStorage.clear();
  } catch {
    // storage may be disabled; nothing was kept then
  }
  state.socket?.stop();
  document.title = "";
  document.body.replaceChildren();
  location.replace(config.quickExitUrl);
}

$("#quick-exit").addEventListener("click", quickExit);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    event.preventDefault();
    quickExit();
  }
});

// The language switch replaces this page in the history too, so the chat only ever takes
// one entry and quick exit's replace leaves nothing to go Back to.
for (const link of document.querySelectorAll("nav.lang a")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    location.replace(link.href);
  });
}

// ---- storage ------------------------------------------------------------------------------

function save() {
  try {
    sessionStorage.setItem(
      STORE_KEY,
      JSON.stringify({ id: state.id, token: state.token, username: state.username }),
    );
  } catch {
    // private mode without storage: the chat works, it just cannot survive a reload
  }
}

// A campaign link's code stays in this tab only (no cookie), and leaves the address at
// once: a link passed on or a screenshot then says nothing about where its reader came
// from. A chat started from this tab counts as coming from the campaign.
function keepCampaign() {
  if (!config.campaign) return;
  try {
    sessionStorage.setItem(CAMPAIGN_KEY, config.campaign);
  } catch {
    // no storage: the chat still starts, as an organic one
  }
  history.replaceState(null, "", "/" + location.search);
}

function campaignCode() {
  try {
    return sessionStorage.getItem(CAMPAIGN_KEY);
  } catch {
    return null;
  }
}

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
  } catch {
    return null;
  }
}

// ---- rendering ----------------------------------------------------------------------------

function setConnection(name) {
  ui.connection.dataset.state = name;
  const key = {
    connecting: "state_connecting",
    online: "state_online",
    reconnecting: "state_reconnecting",
    offline: "state_offline",
    polling: "state_polling",
  }[name];
  ui.connection.textContent = key ? t(key) : "";
  show(ui.connection, Boolean(key));
}

function messageText(message) {
  if (message.sender === "system" && message.code) {
    const key = `system_${message.code}`;
    const text = t(key);
    // idle_warning says in how many minutes: the number is in the stored text.
    return text === key ? message.body : text.replace("{n}", (message.body.match(/\d+/) || [""])[0]);
  }
  return message.body;
}

function bubble({ sender, body, createdAt, status, code }) {
  const who = { chatter: t("you"), counselor: t("counselor") }[sender];
  return el(
    "li",
    { class: `message ${sender}`, dataset: code ? { code } : {} },
    who ? el("span", { class: "who visually-hidden" }, `${who}: `) : null,
    el("span", { class: "body" }, body),
    el(
      "span",
      { class: "meta" },
      createdAt ? el("time", { datetime: createdAt }, clockTime(createdAt, config.locale)) : null,
      status ? el("span", { class: "status" }, status) : null,
    ),
  );
}

function atBottom() {
  const list = ui.log;
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}

function scrollDown(force = false) {
  if (force || atBottom()) ui.log.scrollTop = ui.log.scrollHeight;
}

// A message from the server: shown once, in order. Returns false on a gap.
function receive(message) {
  const place = placeOf(message.seq, state.lastSeq);
  if (place !== "next") return place === "shown";
  const follow = atBottom();
  const node = bubble({
    sender: message.sender,
    body: messageText(message),
    createdAt: message.created_at,
    code: message.code,
  });
  node.dataset.seq = String(message.seq);
  const mine = state.pending.get(message.client_id);
  if (mine) {
    mine.node.remove();
    state.pending.delete(message.client_id);
  }
  // Stored messages go above our own that the server has not echoed yet.
  ui.messages.insertBefore(node, ui.messages.querySelector("li.local"));
  state.lastSeq = message.seq;
  if (message.sender === "counselor") showTyping(false);
  scrollDown(follow || Boolean(mine));
  return true;
}

function showTyping(active) {
  ui.typing.textContent = active ? t("counselor_typing") : "";
}

function showQueue() {
  const frame = state.queue;
  if (state.status !== "queued" || !frame) {
    show(ui.queue, false);
    return;
  }
  const place =
    frame.position <= 1 ? t("queue_first") : t("queue_position", { position: frame.position });
  const seconds = frame.estimated_wait_seconds;
  let wait = "";
  if (seconds !== null && seconds !== undefined) {
    wait = seconds < 60 ? t("queue_wait_short") : t("queue_wait", { minutes: Math.round(seconds / 60) });
  }
  ui.queue.replaceChildren(
    el("span", { class: "place" }, place),
    wait ? el("span", { class: "wait" }, ` ${wait}`) : null,
    el("span", { class: "ahead" }, ` ${t("queue_type_ahead")}`),
  );
  show(ui.queue, true);
}

function setStatus(status) {
  if (status === state.status) return;
  state.status = status;
  showQueue();
  if (status === "ended" || status === "abandoned") finish();
}

// ---- sending ------------------------------------------------------------------------------

function transmit(clientId) {
  const item = state.pending.get(clientId);
  if (!item || item.heldUntil > Date.now()) return;
  if (state.polling) {
    postMessage(clientId, item);
    return;
  }
  state.socket?.send({ type: "send", conversation: state.id, client_id: clientId, body: item.body });
}

async function postMessage(clientId, item) {
  if (item.posting) return;
  item.posting = true;
  try {
    const ack = await api(`/api/v1/conversations/${state.id}/messages`, {
      method: "POST",
      token: state.token,
      body: { client_id: clientId, body: item.body },
    });
    acknowledge({ client_id: clientId, seq: ack.seq });
    poke();
  } catch (error) {
    if (error instanceof HttpError && HELD.has(error.code) && error.retryAfter !== null) {
      hold(clientId, error.code, error.retryAfter);
    } else if (
      error instanceof HttpError &&
      error.status < 500 &&
      error.status !== 429 &&
      error.status !== 408
    ) {
      refuse(clientId, error.code);
    }
    // otherwise it stays pending and goes again on the next round
  } finally {
    item.posting = false;
  }
}

function acknowledge(ack) {
  const item = state.pending.get(ack.client_id);
  if (!item) return;
  item.sent = true;
  item.node.classList.remove("pending");
  item.node.querySelector(".status").textContent = t("sent");
}

function refuse(clientId, code) {
  const item = state.pending.get(clientId);
  if (!item) return;
  state.pending.delete(clientId);
  item.node.classList.remove("pending");
  item.node.classList.add("refused");
  const reason = { too_long: "too_long", conversation_ended: "refused_ended", not_active: "refused_ended" };
  item.node.querySelector(".status").textContent = t(reason[code] || "refused");
}

// Over an abuse limit (S18) or blocked for a while, a message is not stored. It stays on
// the screen and in memory, and goes again, with the same client_id, once the server
// said it may: a calm line instead of a red "not sent".
const HELD = new Set(["rate_limited", "blocked"]);

function hold(clientId, code, seconds) {
  const item = state.pending.get(clientId);
  if (!item) return;
  const wait = Math.max(1, seconds) * 1000;
  item.heldUntil = Date.now() + wait;
  item.node.querySelector(".status").textContent = t(code === "blocked" ? "held_blocked" : "held");
  clearTimeout(item.heldTimer);
  // A block can last days; a page open that long retries once it ends.
  item.heldTimer = setTimeout(() => {
    item.heldUntil = 0;
    if (!state.pending.has(clientId)) return;
    item.node.querySelector(".status").textContent = t("sending");
    transmit(clientId);
  }, Math.min(wait, 2 ** 31 - 1));
}

function resendAll() {
  for (const clientId of state.pending.keys()) transmit(clientId);
}

function submit(event) {
  event.preventDefault();
  const body = ui.input.value.trim();
  if (!body || !state.id || state.status === "ended" || state.status === "abandoned") return;
  if (body.length > config.maxChars) {
    ui.typing.textContent = t("too_long");
    return;
  }
  const clientId = newClientId();
  const node = bubble({ sender: "chatter", body, status: t("sending") });
  node.classList.add("local", "pending");
  node.dataset.clientId = clientId;
  ui.messages.append(node);
  state.pending.set(clientId, { body, node, sent: false });
  ui.input.value = "";
  sendTyping(false);
  scrollDown(true);
  transmit(clientId);
}

function sendTyping(active) {
  clearTimeout(state.typingTimer);
  const now = Date.now();
  if (active) {
    if (now - state.typingSentAt > TYPING_EVERY_MS) {
      state.typingSentAt = now;
      state.socket?.send({ type: "typing", conversation: state.id, active: true });
    }
    state.typingTimer = setTimeout(() => sendTyping(false), TYPING_IDLE_MS);
  } else if (state.typingSentAt) {
    state.typingSentAt = 0;
    state.socket?.send({ type: "typing", conversation: state.id, active: false });
  }
}

ui.composer.addEventListener("submit", submit);
ui.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submit(event);
});
ui.input.addEventListener("input", () => {
  if (ui.input.value) sendTyping(true);
});

// ---- the socket -----------------------------------------------------------------------------

function subscribe() {
  state.socket?.send({ type: "subscribe", conversation: state.id, after_seq: state.lastSeq });
}

function onFrame(frame) {
  if (frame.conversation && frame.conversation !== state.id) return;
  switch (frame.type) {
    case "message":
      if (!receive(frame)) subscribe(); // a gap: ask again from what we hold
      break;
    case "ack":
      // The stored message rides along when it is this socket's next: show it as one.
      if (frame.message && !receive(frame.message)) subscribe();
      acknowledge(frame);
      break;
    case "conversation":
      if (frame.status === "ended" || frame.status === "abandoned") {
        closeOut(frame.status, frame.last_seq);
      } else {
        if (frame.last_seq > state.lastSeq) subscribe();
        setStatus(frame.status);
      }
      break;
    case "queue":
      state.queue = frame;
      showQueue();
      break;
    case "typing":
      if (frame.sender === "counselor") showTyping(frame.active);
      break;
    case "heartbeat":
    case "pong":
      if ((frame.conversations?.[state.id] ?? 0) > state.lastSeq) subscribe();
      break;
    case "error":
      if (frame.client_id && HELD.has(frame.code) && frame.retry_after != null) {
        hold(frame.client_id, frame.code, frame.retry_after);
      } else if (frame.client_id) refuse(frame.client_id, frame.code);
      else if (frame.code === "not_found") gone();
      break;
    default:
      break;
  }
}

function connect() {
  state.socket = new Socket({
    ticket: async (signal) =>
      (await api("/api/v1/ws-ticket", { method: "POST", token: state.token, signal })).ticket,
    onReady: () => {
      subscribe();
      resendAll();
    },
    onFrame,
    onState: (name) => {
      if (!state.polling || name === "online") setConnection(name);
    },
    onGone: gone,
    onFallback: (failing) => (failing ? startPolling() : stopPolling()),
  });
  state.socket.start();
}

// ---- long-poll, when sockets do not get through -------------------------------------------

let pollWake = null;

function poke() {
  pollWake?.();
}

async function startPolling() {
  if (state.polling) return;
  state.polling = true;
  setConnection("polling");
  let attempt = 0;
  while (state.polling && state.id) {
    resendAll();
    try {
      state.pollAbort = new AbortController();
      const waitSeconds = state.pending.size ? 0 : 25;
      const page = await api(
        `/api/v1/conversations/${state.id}/messages?after_seq=${state.lastSeq}&wait=${waitSeconds}`,
        { token: state.token, signal: state.pollAbort.signal },
      );
      attempt = 0;
      setConnection("polling");
      for (const message of page.messages) receive(message);
      if (page.status === "queued") {
        const view = await api(`/api/v1/conversations/${state.id}`, { token: state.token });
        state.queue = {
          position: view.position,
          estimated_wait_seconds: view.estimated_wait_seconds,
        };
      }
      setStatus(page.status);
      if (state.status === "ended" || state.status === "abandoned") break;
      if (waitSeconds === 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    } catch (error) {
      if (!state.polling) break;
      if (error instanceof HttpError && (error.status === 401 || error.status === 404)) {
        gone();
        break;
      }
      setConnection(navigator.onLine === false ? "offline" : "reconnecting");
      await new Promise((resolve) => {
        pollWake = resolve;
        setTimeout(resolve, backoff(attempt++));
      });
    }
  }
}

function stopPolling() {
  state.polling = false;
  state.pollAbort?.abort();
  pollWake?.();
  subscribe();
  resendAll();
}

// ---- the chat's life ----------------------------------------------------------------------

function enterChat() {
  show(ui.intro, false);
  show(ui.help, false);
  show(ui.ended, false);
  show(ui.chat, true);
  ui.input.disabled = false;
  ui.input.focus();
  connect();
}

async function start(event) {
  event.preventDefault();
  const button = $("#start-button");
  button.disabled = true;
  show(ui.startError, false);
  const visitor = new FormData(ui.start).get("visitor") || "unknown";
  const ref = campaignCode();
  const body = { visitor, locale: config.locale };
  if (ref && /^[A-Za-z0-9_.-]{1,64}$/.test(ref)) body.ref = ref;
  try {
    const created = await api("/api/v1/conversations", {
      method: "POST",
      body,
      token: state.token || undefined,
    });
    Object.assign(state, { id: created.id, token: created.token, status: "queued", lastSeq: 0 });
    state.queue = {
      position: created.position,
      estimated_wait_seconds: created.estimated_wait_seconds,
    };
    save();
    ui.messages.replaceChildren();
    showQueue();
    enterChat();
  } catch (error) {
    if (error instanceof HttpError && error.status === 401 && state.username) {
      // The log-in ran out (it lasts hours, the tab may last longer): say so, and let the
      // chatter log in again or chat without.
      forgetLogin();
      ui.startError.textContent = t("login_expired");
      show(ui.startError, true);
      return;
    }
    const code = error instanceof HttpError ? error.code : null;
    const startText = {
      closed: "closed_now",
      closing_soon: "closing_soon_now",
      rate_limited: "start_rate_limited",
      blocked: "start_blocked",
    };
    ui.startError.textContent = t(startText[code] || "start_failed");
    show(ui.startError, true);
    // Whoever cannot chat now still sees where else to find help.
    if (code === "closed" || code === "closing_soon" || code === "blocked") show(ui.help, true);
  } finally {
    button.disabled = false;
  }
}

// The chat ended: fetch whatever the socket has not shown yet (the last words, the
// system line), then close the socket for good.
async function closeOut(status, lastSeq) {
  let after = state.lastSeq;
  try {
    while (after < lastSeq) {
      const page = await api(`/api/v1/conversations/${state.id}/messages?after_seq=${after}`, {
        token: state.token,
      });
      for (const message of page.messages) receive(message);
      if (!page.more || state.lastSeq === after) break;
      after = state.lastSeq;
    }
  } catch {
    // the transcript so far stays on screen; the end is what matters now
  }
  setStatus(status);
}

function finish() {
  state.socket?.stop();
  state.polling = false;
  state.pollAbort?.abort();
  showTyping(false);
  show(ui.connection, false);
  show(ui.queue, false);
  ui.input.disabled = true;
  show(ui.composer, false);
  show(ui.end, false);
  show(ui.ended, true);
  ui.ended.querySelector("h2").focus?.();
}

function gone() {
  state.socket?.stop();
  state.polling = false;
  Object.assign(state, { id: null, status: null, lastSeq: 0 });
  if (state.username) {
    save(); // the chat is gone, the log-in may not be; the next request tells
  } else {
    state.token = null;
    try {
      sessionStorage.removeItem(STORE_KEY);
    } catch {
      // nothing kept
    }
  }
  show(ui.chat, false);
  show(ui.intro, true);
  if (ui.startError) {
    ui.startError.textContent = t("chat_gone");
    show(ui.startError, true);
  }
}

async function endChat() {
  if (!window.confirm(t("confirm_end"))) return;
  try {
    const view = await api(`/api/v1/conversations/${state.id}/end`, {
      method: "POST",
      token: state.token,
    });
    setStatus(view.status);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) gone();
  }
}

async function sendFeedback(event) {
  event.preventDefault();
  const answers = {};
  for (const [name, value] of new FormData(ui.feedback)) answers[name] = value;
  try {
    await api(`/api/v1/conversations/${state.id}/feedback`, {
      method: "POST",
      token: state.token,
      body: { answers },
    });
  } catch {
    // feedback is optional; a second try or a hiccup is not worth bothering anyone with
  }
  show(ui.feedback, false);
  ui.feedbackThanks.textContent = t("feedback_thanks");
}

function again() {
  // A new chat under the same anonymous identity, so the counselor can see it continues.
  Object.assign(state, { id: null, status: null, lastSeq: 0, queue: null });
  state.pending.clear();
  ui.messages.replaceChildren();
  show(ui.composer, true);
  show(ui.end, true);
  show(ui.ended, false);
  if (ui.feedback) {
    ui.feedback.reset();
    show(ui.feedback, true);
    ui.feedbackThanks.textContent = "";
  }
  show(ui.chat, false);
  show(ui.intro, true);
  $("#start-button")?.focus();
}

// ---- the account ---------------------------------------------------------------------------

// The account line on the start page and the offer after a chat follow the log-in.
function renderAccount() {
  const logged = Boolean(state.username);
  show(ui.accountOut, !logged);
  show(ui.accountIn, logged);
  ui.accountWho.textContent = logged ? t("logged_in_as", { name: state.username }) : "";
  show(ui.endedAccount, !logged);
}

// Logging out, an expired log-in, a deleted account: nothing of it stays in the tab.
function forgetLogin() {
  try {
    sessionStorage.clear();
  } catch {
    // nothing kept
  }
  Object.assign(state, { token: null, username: null });
  renderAccount();
}

let accountViews = null;

// Most chatters never touch an account, so its code loads only when asked for.
function account() {
  accountViews ??= import("./account.js").then((module) => {
    module.init({ state, save, bubble, messageText, renderAccount, forgetLogin, again });
    return module;
  });
  return accountViews;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest?.("[data-account]");
  if (!button) return;
  event.preventDefault();
  account()
    .then((module) => module.open(button.dataset.account, button))
    .catch(() => {
      // offline at the first click: the button just works on the next one
      accountViews = null;
    });
});

ui.start?.addEventListener("submit", start);
ui.end.addEventListener("click", endChat);
ui.feedback?.addEventListener("submit", sendFeedback);
ui.again.addEventListener("click", again);

keepCampaign();
// A reload in the same tab picks the chat up where it was.
const kept = load();
if (kept?.token) {
  Object.assign(state, { token: kept.token, username: kept.username || null });
}
renderAccount();
if (kept?.id && kept?.token) {
  Object.assign(state, { id: kept.id, status: "queued" });
  enterChat();
}
