// One socket to the server that keeps itself alive: ticket, hello, ready, heartbeats,
// and reconnects with backoff and jitter when the line drops (docs/protocol.md).
//
// The socket knows nothing of chats. Its owner says what to do once the socket is ready
// (subscribe with the last seq it holds, re-send what was not acknowledged) and gets
// every frame. States: "connecting", "online", "reconnecting", "offline", "stopped".

export class HttpError extends Error {
  // field: the one input at fault, when the server names it; errors: a validation
  // error's [{loc, msg, type}] (docs/protocol.md), so a form can mark the field.
  // retryAfter: the seconds of a Retry-After header (an abuse limit or a block), or null.
  constructor(status, code, detail, { field = null, errors = [], retryAfter = null } = {}) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.field = field;
    this.errors = errors;
    this.retryAfter = retryAfter;
  }
}

// The staff session's CSRF token (log-in and /api/v1/me answer it): every change made
// on the session cookie sends it, and a page of another site cannot know it.
let csrfToken = "";

export function setCsrfToken(value) {
  csrfToken = typeof value === "string" ? value : "";
}

// For the few requests made with fetch() itself (a file download).
export function currentCsrfToken() {
  return csrfToken;
}

// fetch with JSON in and out; a non-2xx answer throws HttpError with the server's code.
export async function api(path, { method = "GET", body, token, keepalive = false, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (csrfToken && method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
    keepalive,
    signal,
  });
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = data?.detail;
    throw new HttpError(response.status, data?.code, typeof detail === "string" ? detail : "", {
      field: typeof data?.field === "string" ? data.field : null,
      errors: Array.isArray(detail) ? detail : [],
      retryAfter: retryAfterOf(response),
    });
  }
  return data;
}

function retryAfterOf(response) {
  const seconds = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

// A sender-chosen id for a message (docs/protocol.md): the server stores each one once,
// so a message sent again after a reconnect is never stored twice.
export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Where a message stands against the last seq a page shows: "shown" already, the "next"
// one to show, or after a "gap" (ask again from `held`). The server's Stream keeps the
// same rule; this is the page's own check.
export function placeOf(seq, held) {
  if (seq <= held) return "shown";
  return seq === held + 1 ? "next" : "gap";
}

// Reconnecting waits longer after each failed try, up to 30 s (SECURITY.md S05).
export const BACKOFF_CAP_MS = 30000;
// A connection that stayed up this long was a good one: the next drop starts the backoff
// from the beginning. One that drops sooner (a server that accepts and fails at once)
// keeps growing the wait, so it is not hammered.
export const STABLE_MS = 10000;
// A ticket request on a link that died silently would otherwise hang for minutes.
export const TICKET_TIMEOUT_MS = 10000;

// Full jitter: a random wait between 0 and an exponentially growing ceiling, so a server
// restart is not met by every phone at the same moment.
export function backoff(attempt, base = 500, cap = BACKOFF_CAP_MS) {
  const ceiling = Math.min(cap, base * 2 ** attempt);
  return Math.random() * ceiling;
}

export class Socket {
  // ticket: async (signal) => string; throws HttpError (401/404: the identity is gone);
  //   pass `signal` to fetch, so a request on a dead link is given up.
  // onReady(): the socket took our hello; subscribe and re-send now.
  // onFrame(frame), onState(state), onGone(error): no way back (logged out, chat gone).
  // onFallback(failing): true after sockets failed repeatedly while HTTP works; false once
  //   a socket is ready again.
  constructor({ ticket, onReady, onFrame, onState, onGone = () => {}, onFallback = () => {} }) {
    this.ticket = ticket;
    this.onReady = onReady;
    this.onFrame = onFrame;
    this.onState = onState;
    this.onGone = onGone;
    this.onFallback = onFallback;
    this.ws = null;
    this.ready = false;
    this.stopped = true;
    this.attempt = 0;
    this.failuresWithHttp = 0;
    this.fallback = false;
    this.timer = null;
    this.watchdog = null;
    this.heartbeatSeconds = 25;
    this.onOffline = () => this.drop("offline");
    this.onOnline = () => this.reconnectNow();
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener("offline", this.onOffline);
    window.addEventListener("online", this.onOnline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("offline", this.onOffline);
    window.removeEventListener("online", this.onOnline);
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    this.close();
    this.setState("stopped");
  }

  // Sends a frame if the socket is ready; false means the caller keeps it for later.
  send(frame) {
    if (!this.ready || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  setState(state) {
    if (state !== this.state) {
      this.state = state;
      this.onState(state);
    }
  }

  close() {
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        // already closed
      }
    }
  }

  // The line is gone (browser offline, silent socket): close and try again later.
  drop(state = "reconnecting") {
    if (this.stopped) return;
    if (this.ready && Date.now() - this.readyAt >= STABLE_MS) this.attempt = 0;
    this.close();
    clearTimeout(this.watchdog);
    this.setState(navigator.onLine === false ? "offline" : state);
    this.schedule();
  }

  reconnectNow() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    this.close();
    this.connect();
  }

  schedule() {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const wait = backoff(this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), wait);
  }

  async connect() {
    if (this.stopped) return;
    if (navigator.onLine === false) {
      this.setState("offline");
      return; // the "online" event brings us back
    }
    this.setState(this.attempt === 0 && !this.everReady ? "connecting" : "reconnecting");
    let ticket;
    try {
      ticket = await this.ticket(AbortSignal.timeout(TICKET_TIMEOUT_MS));
    } catch (error) {
      if (error instanceof HttpError && (error.status === 401 || error.status === 404)) {
        this.stop();
        this.onGone(error);
        return;
      }
      this.drop();
      return;
    }
    if (this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    let ws;
    try {
      ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
    } catch {
      this.socketFailed();
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", ticket }));
    ws.onmessage = (event) => this.receive(event);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      if (!this.ready) this.socketFailed();
      else this.drop();
    };
    ws.onerror = () => {}; // onclose follows and decides
    this.armWatchdog();
  }

  // The ticket came over HTTP but the socket never got ready: something between us
  // (a proxy, a firewall) blocks sockets. After two such tries the owner falls back to
  // long-poll, while we keep trying at a slow pace.
  socketFailed() {
    this.failuresWithHttp += 1;
    if (this.failuresWithHttp >= 2 && !this.fallback) {
      this.fallback = true;
      this.onFallback(true);
    }
    this.drop();
  }

  // No frame for two heartbeats: the line is dead even if the browser has not noticed.
  armWatchdog() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.drop(), (this.heartbeatSeconds * 2 + 5) * 1000);
  }

  receive(event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    this.armWatchdog();
    if (frame.type === "ready") {
      this.ready = true;
      this.readyAt = Date.now();
      this.everReady = true;
      this.failuresWithHttp = 0;
      this.heartbeatSeconds = frame.heartbeat_seconds || this.heartbeatSeconds;
      this.armWatchdog();
      if (this.fallback) {
        this.fallback = false;
        this.onFallback(false);
      }
      this.setState("online");
      this.onReady();
      return;
    }
    this.onFrame(frame);
  }
}
