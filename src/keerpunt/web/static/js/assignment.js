// Automatic offers and transfers in the console (docs/protocol.md, "Automatic assignment
// and transfer"): the dialog for a chat offered to this counselor, the Transfer control of
// the open chat (a colleague with a note, or back to the queue), and the dialog for a chat
// a colleague hands over. console.js owns the chats; this module only asks it to take one
// (`env.take`) or to let one go (`env.release`).
//
// Dialogs are native <dialog> elements opened with showModal(): the focus stays inside,
// Escape cancels (declines), and Enter on the focused first button accepts.

import { HttpError } from "./socket.js";
import { t } from "./strings.js";
import { el } from "./dom.js";

const enc = encodeURIComponent;

export function mountAssignment(env) {
  // env: {call, notice, visitorText, take(read), release(id), current(), toolsAnchor}
  const state = { offer: null, timer: null, incoming: [], colleagues: [] };

  // The offer -----------------------------------------------------------------------------

  const offerText = el("p", { id: "offer-text" });
  const offerCountdown = el("p", { id: "offer-countdown", class: "countdown", "aria-live": "off" });
  const offerAccept = el("button", { type: "button", class: "primary", id: "offer-accept" }, t("offer_accept"));
  const offerDecline = el("button", { type: "button", id: "offer-decline" }, t("offer_decline"));
  const offerDialog = el(
    "dialog",
    { id: "offer-dialog", class: "assign-dialog", "aria-labelledby": "offer-title", "aria-describedby": "offer-text" },
    el("h2", { id: "offer-title" }, t("offer_title")),
    offerText,
    offerCountdown,
    el("p", { class: "hint" }, t("offer_hint")),
    el("div", { class: "dialog-buttons" }, offerAccept, offerDecline),
  );

  function showOffer(frame) {
    state.offer = frame;
    const who = env.visitorText(frame.visitor);
    offerText.textContent = t(frame.returning ? "offer_text_returning" : "offer_text", { visitor: who });
    tick();
    clearInterval(state.timer);
    state.timer = setInterval(tick, 1000);
    if (!offerDialog.open) offerDialog.showModal();
    offerAccept.focus();
  }

  function hideOffer() {
    state.offer = null;
    clearInterval(state.timer);
    if (offerDialog.open) offerDialog.close();
  }

  function tick() {
    if (!state.offer) return;
    const left = Math.max(0, Math.round((Date.parse(state.offer.expires_at) - Date.now()) / 1000));
    offerCountdown.textContent = t("offer_seconds_left", { seconds: left });
    // The server moves the offer on; its "gone" frame closes the dialog. Until then, at 0
    // the counselor may still try: the accept answers if it was too late.
  }

  async function acceptOffer() {
    const offer = state.offer;
    if (!offer) return;
    hideOffer();
    try {
      const read = await env.call(`/api/v1/conversations/${enc(offer.conversation)}/accept`, { method: "POST" });
      env.take(read);
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 401)) env.notice(t("offer_gone"));
    }
  }

  async function declineOffer() {
    const offer = state.offer;
    if (!offer) return;
    hideOffer();
    try {
      await env.call(`/api/v1/conversations/${enc(offer.conversation)}/offer/decline`, { method: "POST" });
      env.notice(t("offer_declined"));
    } catch {
      // gone already (expired or taken): nothing to decline
    }
  }

  offerAccept.addEventListener("click", acceptOffer);
  offerDecline.addEventListener("click", declineOffer);
  offerDialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    declineOffer();
  });

  function onOffer(frame) {
    if (frame.state === "open") showOffer(frame);
    else if (state.offer && state.offer.conversation === frame.conversation) {
      hideOffer();
      env.notice(t("offer_gone"));
    }
  }

  // Handing a chat on ---------------------------------------------------------------------

  const transferButton = el(
    "button",
    { type: "button", id: "transfer", "aria-haspopup": "dialog", "aria-keyshortcuts": "Alt+T" },
    t("transfer"),
  );
  const picker = el("select", { id: "transfer-to" });
  const note = el("textarea", { id: "transfer-note", rows: "3", maxlength: "2000", "aria-describedby": "transfer-note-hint" });
  const noteHint = el("p", { id: "transfer-note-hint", class: "hint" }, t("transfer_note_hint"));
  const transferError = el("p", { id: "transfer-error", class: "reason", role: "alert" });
  const transferSend = el("button", { type: "submit", class: "primary" }, t("transfer_send"));
  const transferCancel = el("button", { type: "button" }, t("transfer_cancel"));
  const transferForm = el(
    "form",
    { method: "dialog" },
    el("h2", { id: "transfer-title" }, t("transfer_title")),
    el("label", { for: "transfer-to" }, t("transfer_to")),
    picker,
    el("label", { for: "transfer-note" }, t("transfer_note")),
    note,
    noteHint,
    transferError,
    el("div", { class: "dialog-buttons" }, transferSend, transferCancel),
  );
  const transferDialog = el(
    "dialog",
    { id: "transfer-dialog", class: "assign-dialog", "aria-labelledby": "transfer-title" },
    transferForm,
  );

  function renderPicker() {
    picker.replaceChildren(
      ...state.colleagues.map((c) =>
        el("option", { value: String(c.id) }, t("transfer_colleague", { name: c.name, active: c.active, max: c.max_chats })),
      ),
      el("option", { value: "queue" }, t("transfer_queue")),
    );
    renderNote();
  }

  function renderNote() {
    // The queue has nobody to read a note.
    const toQueue = picker.value === "queue";
    note.disabled = toQueue;
    noteHint.textContent = t(toQueue ? "transfer_queue_hint" : "transfer_note_hint");
  }

  picker.addEventListener("change", renderNote);

  async function openTransfer() {
    const conv = env.current();
    if (!conv || conv.ended) {
      env.notice(t("transfer_no_chat"));
      return;
    }
    transferError.textContent = "";
    note.value = "";
    try {
      state.colleagues = (await env.call("/api/v1/colleagues")).colleagues;
    } catch {
      state.colleagues = [];
    }
    renderPicker();
    transferDialog.dataset.conversation = conv.id;
    transferDialog.showModal();
    picker.focus();
  }

  transferButton.addEventListener("click", openTransfer);
  transferCancel.addEventListener("click", () => transferDialog.close());
  transferForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = transferDialog.dataset.conversation;
    const to = picker.value === "queue" ? "queue" : Number(picker.value);
    const body = to === "queue" ? { to } : { to, note: note.value };
    try {
      await env.call(`/api/v1/conversations/${enc(id)}/transfers`, { method: "POST", body });
      transferDialog.close();
      if (to === "queue") {
        env.release(id);
        env.notice(t("transfer_queued"));
      } else {
        const name = state.colleagues.find((c) => c.id === to)?.name || "";
        env.notice(t("transfer_asked", { name }));
      }
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) return;
      const known = {
        transfer_open: "transfer_error_open",
        colleague_offline: "transfer_error_offline",
        not_active: "transfer_error_ended",
      };
      transferError.textContent = t(known[error?.code] || "transfer_error");
    }
  });
  env.toolsAnchor.before(transferButton);

  // A chat handed to this counselor ---------------------------------------------------------

  const incomingText = el("p", { id: "incoming-text" });
  const incomingNote = el("blockquote", { id: "incoming-note", class: "note" });
  const incomingAccept = el("button", { type: "button", class: "primary" }, t("incoming_accept"));
  const incomingDecline = el("button", { type: "button" }, t("incoming_decline"));
  const incomingDialog = el(
    "dialog",
    { id: "incoming-dialog", class: "assign-dialog", "aria-labelledby": "incoming-title", "aria-describedby": "incoming-text" },
    el("h2", { id: "incoming-title" }, t("incoming_title")),
    incomingText,
    incomingNote,
    el("p", { class: "hint" }, t("offer_hint")),
    el("div", { class: "dialog-buttons" }, incomingAccept, incomingDecline),
  );

  function showIncoming() {
    const frame = state.incoming[0];
    if (!frame) {
      if (incomingDialog.open) incomingDialog.close();
      return;
    }
    incomingText.textContent = t("incoming_text", { name: frame.from_name || "", visitor: env.visitorText(frame.visitor) });
    incomingNote.textContent = frame.note || t("incoming_no_note");
    if (!incomingDialog.open && !offerDialog.open) incomingDialog.showModal();
    incomingAccept.focus();
  }

  async function answerIncoming(accept) {
    const frame = state.incoming.shift();
    incomingDialog.close();
    if (frame) {
      try {
        const read = await env.call(`/api/v1/transfers/${frame.transfer}/${accept ? "accept" : "decline"}`, { method: "POST" });
        if (accept) env.take(read);
      } catch (error) {
        if (!(error instanceof HttpError && error.status === 401)) env.notice(t("incoming_gone"));
      }
    }
    showIncoming();
  }

  incomingAccept.addEventListener("click", () => answerIncoming(true));
  incomingDecline.addEventListener("click", () => answerIncoming(false));
  incomingDialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    answerIncoming(false);
  });

  function onTransfer(frame, me) {
    if (frame.state === "open" && frame.to_user === me) {
      if (!state.incoming.some((f) => f.transfer === frame.transfer)) state.incoming.push(frame);
      showIncoming();
      return;
    }
    const waiting = state.incoming.findIndex((f) => f.transfer === frame.transfer);
    if (waiting >= 0 && frame.state !== "open") {
      state.incoming.splice(waiting, 1);
      showIncoming();
    }
    if (frame.from_user === me && frame.to_user !== me) {
      if (frame.state === "accepted") {
        env.release(frame.conversation);
        env.notice(t("transfer_accepted"));
      } else if (frame.state === "declined") env.notice(t("transfer_declined"));
    }
  }

  document.body.append(offerDialog, transferDialog, incomingDialog);

  return {
    onOffer,
    onTransfer,
    openTransfer,
    // On every (re)connect: what the snapshot says is open now.
    apply(snapshot) {
      if (snapshot.offer) showOffer(snapshot.offer);
      else hideOffer();
      state.incoming = [...(snapshot.transfers || [])];
      showIncoming();
    },
    reset() {
      hideOffer();
      state.incoming = [];
      showIncoming();
      if (transferDialog.open) transferDialog.close();
    },
  };
}
