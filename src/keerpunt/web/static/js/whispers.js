// Whispers in the counselor console: lines between a supervisor and the counselor about a
// running chat. They show inline in the chat's log in their own style, are never part of
// the chat (the chatter never gets them: they travel only on staff channels), and the
// counselor can whisper back. Loaded again on every (re)connect; a whisper already shown
// is not shown twice.

import { el, clockTime } from "./dom.js";
import { newClientId } from "./socket.js";

// env: { call, t, locale, problem(error) -> text }
export function whisperTools(env) {
  // conv.id -> { seen: Set of whisper ids, form }
  const byConv = new Map();

  function entry(conv) {
    let found = byConv.get(conv.id);
    if (!found) {
      found = { seen: new Set(), form: null };
      byConv.set(conv.id, found);
    }
    return found;
  }

  // In time order among the messages: before the first line written after it.
  function place(conv, li, at) {
    for (const other of conv.log.querySelectorAll("li")) {
      const time = other.querySelector("time")?.getAttribute("datetime");
      if (time && time > at && !other.classList.contains("local")) {
        conv.log.insertBefore(li, other);
        return;
      }
    }
    const local = conv.log.querySelector("li.local");
    conv.log.insertBefore(li, local);
  }

  function show(conv, whisper) {
    const known = entry(conv);
    if (known.seen.has(whisper.id)) return false;
    known.seen.add(whisper.id);
    const author = whisper.from || { name: whisper.from_name };
    const time = el("time", { datetime: whisper.created_at }, clockTime(whisper.created_at, env.locale));
    const li = el(
      "li",
      { class: "whisper", dataset: { whisper: whisper.id } },
      el("div", { class: "meta" }, el("span", { class: "who" }, env.t("whisper_from", { name: author.name || "" })), " ", time),
      el("p", { class: "body" }, whisper.body),
    );
    place(conv, li, whisper.created_at);
    ensureForm(conv);
    return true;
  }

  function ensureForm(conv) {
    const known = entry(conv);
    if (known.form) return;
    const area = el("textarea", { rows: "1", maxlength: "4000", id: `whisper-${conv.id}` });
    const error = el("p", { class: "field-error", role: "alert", hidden: true });
    const form = el(
      "form",
      { class: "whisper-back" },
      el("label", { for: area.id }, env.t("whisper_back")),
      area,
      el("button", { type: "submit", class: "secondary" }, env.t("whisper_send")),
      error,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = area.value.trim();
      if (!body) return;
      error.hidden = true;
      try {
        const made = await env.call(`/api/v1/conversations/${encodeURIComponent(conv.id)}/whispers`, {
          method: "POST",
          body: { client_id: newClientId(), body },
        });
        area.value = "";
        show(conv, made);
      } catch (failure) {
        error.textContent = env.problem(failure);
        error.hidden = false;
      }
    });
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    known.form = form;
    conv.chatCol.append(form);
  }

  async function load(conv) {
    try {
      const list = await env.call(`/api/v1/conversations/${encodeURIComponent(conv.id)}/whispers`);
      for (const whisper of list) show(conv, whisper);
    } catch {
      // Not ours any more, or the line is down: the next (re)connect loads them again.
    }
  }

  return { show, load };
}
