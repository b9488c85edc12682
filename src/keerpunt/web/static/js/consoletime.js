// The console's clocks: when the chat closes today and the minutes left (highlighted in
// the cut-off before closing, when no new chats start), and per chat the idle countdown
// after the chatter was asked whether they are still there, with a button to give more
// time. Both come from the snapshot (refreshed on every reconnect) and run on a timer
// here; idle_warning and chatter messages move the countdown live.

import { el, show, clockTime } from "./dom.js";

const TICK_MS = 15000;
const MINUTE_MS = 60000;

// call: the API with the session; t: the page's strings; node: the bar's line.
export function consoleTime({ call, t, locale, node }) {
  let closesAt = null;
  let cutoffMs = 0;
  let idleCloseMs = 5 * MINUTE_MS;
  const convs = new Map(); // id -> { conv, deadline, banner, text }
  let timer = null;

  function minutesLeft(at) {
    return Math.max(0, Math.ceil((at - Date.now()) / MINUTE_MS));
  }

  function renderClosing() {
    if (!closesAt) {
      show(node, false);
      return;
    }
    const left = minutesLeft(closesAt);
    const time = clockTime(new Date(closesAt).toISOString(), locale);
    node.textContent = left > 0 ? t("closes_at_left", { time, minutes: left }) : t("closed_at", { time });
    node.classList.toggle("soon", Date.now() >= closesAt - cutoffMs);
    show(node, true);
  }

  function renderIdle(entry) {
    if (!entry.deadline || entry.conv.ended) {
      show(entry.banner, false);
      return;
    }
    entry.text.textContent = t("idle_closes_in", { minutes: minutesLeft(entry.deadline) });
    show(entry.banner, true);
  }

  function tick() {
    renderClosing();
    for (const entry of convs.values()) renderIdle(entry);
  }

  function entryOf(conv) {
    let entry = convs.get(conv.id);
    if (entry) return entry;
    const text = el("span", { class: "idle-text" });
    const extend = el("button", { type: "button", class: "secondary" }, t("idle_extend"));
    const banner = el("p", { class: "idle-banner", role: "status", hidden: true }, text, " ", extend);
    entry = { conv, deadline: null, banner, text };
    extend.addEventListener("click", async () => {
      extend.disabled = true;
      try {
        await call(`/api/v1/conversations/${encodeURIComponent(conv.id)}/idle/extend`, { method: "POST" });
        entry.deadline = null;
        text.textContent = "";
      } catch {
        text.textContent = t("idle_extend_failed");
      } finally {
        extend.disabled = false;
        renderIdle(entry);
      }
    });
    conv.chatCol.prepend(banner);
    convs.set(conv.id, entry);
    return entry;
  }

  return {
    // The snapshot: the closing time, the policy, and the chats counting down.
    snapshot(snapshot, all) {
      closesAt = snapshot.closes_at ? Date.parse(snapshot.closes_at) : null;
      cutoffMs = (snapshot.closing_cutoff_minutes || 0) * MINUTE_MS;
      idleCloseMs = (snapshot.idle_close_minutes || 5) * MINUTE_MS;
      const idle = new Map((snapshot.idle || []).map((item) => [item.conversation, item]));
      for (const conv of all.values()) {
        const item = idle.get(conv.id);
        entryOf(conv).deadline = item?.closes_at ? Date.parse(item.closes_at) : null;
      }
      if (!timer) timer = setInterval(tick, TICK_MS);
      tick();
    },
    // A message shown in a chat: the warning starts the countdown, the chatter stops it.
    // Only live ones: the first replay of a chat is history, which the snapshot summed up.
    message(conv, message) {
      if (!conv.loaded) return;
      const entry = entryOf(conv);
      if (message.sender === "system" && message.code === "idle_warning") {
        entry.deadline = Date.parse(message.created_at) + idleCloseMs;
      } else if (message.sender === "chatter" || message.code === "idle_closed") {
        entry.deadline = null;
      }
      renderIdle(entry);
    },
    ended(conv) {
      const entry = convs.get(conv.id);
      if (entry) renderIdle(entry);
    },
    forget(id) {
      convs.delete(id);
    },
  };
}
