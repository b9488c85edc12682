// A returning chatter: make an account, log in and out, read earlier chats, delete it all.
//
// chat.js loads this at the first click on an account button and hands over what the
// two share (the state with the token, saving it, drawing a message). The token this
// module gets back from the server goes where chat.js keeps its own: sessionStorage, in
// the same entry, so quick exit clears it with everything else.
import { $, el, show } from "./dom.js";
import { HttpError, api } from "./socket.js";
import { config, t } from "./strings.js";

const SCREENS = ["intro", "help-lines", "chat", "ended"];
const VIEWS = ["account-create", "account-login", "account-list", "account-read", "account-delete"];
const USERNAME = /^[a-z0-9._-]{3,32}$/;
const MIN_PASSWORD = 8;

let host = null;
let origin = null; // what was on screen before the first account view, to go back to

const byId = (id) => document.getElementById(id);

export function init(shared) {
  host = shared;
  $("#create-form").addEventListener("submit", create);
  $("#login-form").addEventListener("submit", login);
  $("#delete-form").addEventListener("submit", remove);
}

export function open(action, button) {
  switch (action) {
    case "create":
      clearForm($("#create-form"));
      view("account-create", button);
      break;
    case "login":
      clearForm($("#login-form"));
      view("account-login", button);
      break;
    case "list":
      list(button);
      break;
    case "delete":
      clearForm($("#delete-form"));
      view("account-delete", button);
      break;
    case "logout":
      logout();
      break;
    case "back":
      leave();
      break;
    default:
      break;
  }
}

// ---- moving between views -----------------------------------------------------------------

function view(id, opener) {
  if (!origin) {
    origin = { screens: SCREENS.filter((name) => !byId(name).hidden), focus: opener };
  }
  for (const name of SCREENS) show(byId(name), false);
  for (const name of VIEWS) show(byId(name), name === id);
  window.scrollTo(0, 0);
  byId(id).querySelector("h2").focus();
}

function leave() {
  for (const name of VIEWS) show(byId(name), false);
  const back = origin ?? { screens: ["intro"], focus: null };
  origin = null;
  for (const name of back.screens) show(byId(name), true);
  if (back.focus && !back.focus.closest("[hidden]")) back.focus.focus();
}

// Back to the start page with a short note, after the log-in ended one way or another.
function home(note) {
  for (const name of VIEWS) show(byId(name), false);
  origin = null;
  host.again();
  show(byId("help-lines"), !byId("start"));
  say($("#account-status"), note);
}

function say(node, text) {
  node.textContent = text;
  if (text) node.focus();
}

// ---- forms --------------------------------------------------------------------------------

function clearForm(form) {
  form.reset();
  for (const node of form.querySelectorAll(".field-error, .error")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

function fieldError(input, text) {
  byId(`${input.id}-error`).textContent = text;
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function formError(form, text) {
  form.querySelector(".error").textContent = text;
}

// Shows each field's problem beside it and puts the cursor in the first. True if none.
function check(problems) {
  let first = null;
  for (const [input, text] of problems) {
    fieldError(input, text);
    if (text && !first) first = input;
  }
  first?.focus();
  return first === null;
}

function busy(form, on) {
  for (const button of form.querySelectorAll("button")) button.disabled = on;
}

function usernameProblem(name) {
  if (!name) return t("err_username_missing");
  return USERNAME.test(name.toLowerCase()) ? "" : t("err_username_rule");
}

function passwordProblem(password) {
  if (!password) return t("err_password_missing");
  return password.length < MIN_PASSWORD ? t("err_password_short") : "";
}

// ---- making an account --------------------------------------------------------------------

async function create(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const user = $("#create-username");
  const password = $("#create-password");
  const name = user.value.trim();
  formError(form, "");
  const fine = check([
    [user, usernameProblem(name)],
    [password, passwordProblem(password.value)],
  ]);
  if (!fine) return;
  busy(form, true);
  try {
    const body = { username: name, password: password.value };
    let made;
    try {
      // The chat's token binds the account to this chatter: the chats so far come along.
      made = await api("/api/v1/chatter/account", {
        method: "POST",
        body,
        token: host.state.token || undefined,
      });
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 401 && host.state.token)) throw error;
      made = await api("/api/v1/chatter/account", { method: "POST", body });
    }
    Object.assign(host.state, { token: made.token, username: made.username });
    host.save();
    host.renderAccount();
    clearForm(form);
    const note = t("account_made", { name: made.username });
    leave();
    say(byId("ended").hidden ? $("#account-status") : $("#ended-account-status"), note);
  } catch (error) {
    const code = error instanceof HttpError ? error.code : null;
    const beside = {
      username_taken: [user, "err_username_taken"],
      bad_username: [user, "err_username_rule"],
      invalid: [user, "err_username_rule"], // over 64 characters: the schema refuses it
      weak_password: [password, "err_password_short"],
    }[code];
    if (beside) check([[beside[0], t(beside[1])]]);
    else formError(form, code === "has_account" ? t("err_has_account") : t("err_failed"));
  } finally {
    busy(form, false);
  }
}

// ---- logging in and out -------------------------------------------------------------------

async function login(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const user = $("#login-username");
  const password = $("#login-password");
  const name = user.value.trim();
  formError(form, "");
  const fine = check([
    [user, name ? "" : t("err_username_missing")],
    [password, password.value ? "" : t("err_password_missing")],
  ]);
  if (!fine) return;
  busy(form, true);
  try {
    const answer = await api("/api/v1/chatter/login", {
      method: "POST",
      body: { username: name, password: password.value },
    });
    // A chat in this tab before the log-in is over; from now on the tab is this account.
    Object.assign(host.state, { id: null, token: answer.token, username: answer.username });
    host.save();
    host.renderAccount();
    clearForm(form);
    leave();
    say($("#account-status"), t("welcome_back"));
  } catch (error) {
    password.value = "";
    const wrong = error instanceof HttpError && (error.status === 401 || error.status === 422);
    formError(form, wrong ? t("err_bad_credentials") : t("err_failed"));
    password.focus();
  } finally {
    busy(form, false);
  }
}

async function logout() {
  const { token } = host.state;
  try {
    if (token) await api("/api/v1/chatter/logout", { method: "POST", token });
  } catch {
    // the token is forgotten here either way; a 401 means it had stopped already
  }
  host.forgetLogin();
  home(t("logged_out"));
}

function expired() {
  host.forgetLogin();
  home(t("login_expired"));
}

// ---- earlier chats ------------------------------------------------------------------------

function when(iso) {
  return new Date(iso).toLocaleString(config.locale, { dateStyle: "long", timeStyle: "short" });
}

async function list(opener) {
  const status = $("#list-status");
  const items = $("#list-items");
  items.replaceChildren();
  status.textContent = t("loading");
  view("account-list", opener);
  let me;
  try {
    me = await api("/api/v1/chatter/me", { token: host.state.token });
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) expired();
    else status.textContent = t("err_failed");
    return;
  }
  status.textContent = me.conversations.length ? "" : t("history_empty");
  for (const conversation of me.conversations) {
    const button = el(
      "button",
      { type: "button", dataset: { conversation: conversation.id } },
      el("span", { class: "when" }, when(conversation.created_at)),
      el("span", { class: "how" }, t(`history_${conversation.status}`)),
    );
    button.addEventListener("click", () => read(conversation));
    items.append(el("li", {}, button));
  }
}

// An earlier chat, read-only, drawn like the chat itself; page by page while `more`.
async function read(conversation) {
  const status = $("#read-status");
  const messages = $("#read-messages");
  $("#read-title").textContent = t("read_title", { date: when(conversation.created_at) });
  messages.replaceChildren();
  status.textContent = t("loading");
  view("account-read");
  let after = 0;
  try {
    for (;;) {
      const page = await api(
        `/api/v1/conversations/${encodeURIComponent(conversation.id)}/messages?after_seq=${after}`,
        { token: host.state.token },
      );
      for (const message of page.messages) {
        if (message.seq <= after) continue;
        const node = host.bubble({
          sender: message.sender,
          body: host.messageText(message),
          createdAt: message.created_at,
          code: message.code,
        });
        node.dataset.seq = String(message.seq);
        messages.append(node);
        after = message.seq;
      }
      if (!page.more || !page.messages.length) break;
    }
    status.textContent = messages.children.length ? "" : t("read_empty");
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) expired();
    else if (error instanceof HttpError && error.status === 404) status.textContent = t("read_gone");
    else if (error instanceof HttpError && error.status === 410) {
      status.textContent = t("read_purged", { days: config.retentionDays });
    }
    else status.textContent = t("err_failed");
  }
}

// ---- deleting everything ------------------------------------------------------------------

async function remove(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const password = $("#delete-password");
  const sure = $("#delete-sure");
  formError(form, "");
  const fine = check([
    [password, password.value ? "" : t("err_password_missing")],
    [sure, sure.checked ? "" : t("err_confirm_delete")],
  ]);
  if (!fine) return;
  busy(form, true);
  try {
    await api("/api/v1/chatter/account/delete", {
      method: "POST",
      token: host.state.token,
      body: { password: password.value },
    });
    clearForm(form);
    host.forgetLogin();
    home(t("account_deleted"));
  } catch (error) {
    password.value = "";
    if (error instanceof HttpError && error.code === "bad_credentials") {
      check([[password, t("err_wrong_password")]]);
    } else if (error instanceof HttpError && error.status === 401) {
      expired();
    } else {
      formError(form, t("err_failed"));
    }
  } finally {
    busy(form, false);
  }
}
