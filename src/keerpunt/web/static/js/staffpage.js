// What the staff pages around a log-in share (the admin and the analyst page): the views
// around the page's own content, calls that notice a lost session, the wording of errors,
// and form fields with their errors beside them. Each page keeps its own data and forms.

import { api, HttpError } from "./socket.js";
import { t } from "./strings.js";
import { el, $, show } from "./dom.js";
import { bindLogin, fetchMe, logOut } from "./stafflogin.js";

// The bar's controls and the log-in form, the same on every staff page (the console too).
export function staffElements() {
  return {
    loading: $("#loading"),
    controls: $("#controls"),
    who: $("#who"),
    logout: $("#logout"),
    loginView: $("#login-view"),
    login: $("#login"),
    username: $("#username"),
    password: $("#password"),
    loginInfo: $("#login-info"),
    loginError: $("#login-error"),
  };
}

// Thrown by call() after a 401: the log-in form shows already, so callers just stop.
export class SessionLost extends Error {}

// A page behind the log-in. ui: staffElements(); view: the page's own content; denied and
// deniedTitle: the section (and its heading) that says the page is not for this account.
// allowed(user): false shows `denied` without asking the server. load(): the page's first
// data; a 404 there means the account may not see the page. open(data, { focus }): show
// the data; focus says the log-in form had it, so it moves to the top of the page.
// Returns call (the API with the session), sessionLost, and start, to run once the page's
// module has done all the rest.
export function staffPage({ ui, view, denied, deniedTitle, allowed = () => true, load, open }) {
  let user = null;

  function hideAll() {
    show(ui.loading, false);
    show(ui.loginView, false);
    show(denied, false);
    show(view, false);
  }

  function showLogin(info = "") {
    hideAll();
    show(ui.controls, false);
    show(ui.loginView, true);
    ui.loginInfo.textContent = info;
    show(ui.loginError, false);
    ui.password.value = "";
    (ui.username.value ? ui.password : ui.username).focus();
  }

  function showDenied() {
    hideAll();
    show(denied, true);
    deniedTitle.focus();
  }

  function sessionLost() {
    if (!user) return;
    user = null;
    showLogin(t("session_ended"));
  }

  // Every call needs the session: a 401 means it is gone, so log in again.
  async function call(path, options) {
    try {
      return await api(path, options);
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) {
        sessionLost();
        throw new SessionLost();
      }
      throw error;
    }
  }

  async function enter(who, { focus = false } = {}) {
    user = who;
    ui.who.textContent = t("logged_in_as", { name: who.display_name || who.username });
    show(ui.controls, true);
    if (!allowed(who)) {
      showDenied();
      return;
    }
    let data;
    try {
      data = await load();
    } catch (error) {
      if (error instanceof SessionLost) return;
      if (error instanceof HttpError && error.status === 404) {
        showDenied();
        return;
      }
      showLogin(t("server_unreachable"));
      return;
    }
    hideAll();
    show(view, true);
    await open(data, { focus });
  }

  bindLogin(ui.login, (who) => enter(who, { focus: true }));

  ui.logout.addEventListener("click", async () => {
    await logOut();
    user = null;
    showLogin(t("logged_out"));
  });

  async function start() {
    let who;
    try {
      who = await fetchMe();
    } catch (error) {
      showLogin(error instanceof HttpError && error.status === 401 ? "" : t("server_unreachable"));
      return;
    }
    await enter(who);
  }

  return { call, sessionLost, start };
}

// Error wording ----------------------------------------------------------------------------

// The server's `detail` as it says it ("HTTP 409" is no reason).
export function detailOf(error) {
  return error.message && !/^HTTP \d+$/.test(error.message) ? error.message : "";
}

// The server's reason in a sentence: `detail` as it says it, or a validation error's.
export function reasonOf(error) {
  if (!(error instanceof HttpError)) return "";
  const detail = detailOf(error);
  if (detail) return detail;
  const first = error.errors?.[0]?.msg;
  return typeof first === "string" ? first.replace(/^Value error, /, "") : "";
}

// What a failed request means for the person, in one sentence. reason(error) reads the
// server's reason out of an HttpError.
export function problem(error, reason = reasonOf) {
  if (error instanceof HttpError) {
    const text = reason(error);
    return text ? t("refused", { reason: text }) : t("failed");
  }
  return t("network");
}

export function status(node, text) {
  node.textContent = text;
}

// An error line that is hidden while it has nothing to say.
export function alertLine(node, text) {
  node.textContent = text || "";
  show(node, Boolean(text));
}

// Forms: fields with their errors beside them ----------------------------------------------

export function button(text, { kind = "secondary", label, data, type = "button" } = {}) {
  return el("button", { type, class: kind, "aria-label": label, dataset: data }, text);
}

export function textInput(name, max, value) {
  return el("input", { type: "text", name, maxlength: max, autocomplete: "off", value });
}

// A field: a label, the control, and an error line the control is described by.
export function field({ id, label, control, hint }) {
  const error = el("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const hintNode = hint ? el("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  control.id = id;
  control.setAttribute("aria-describedby", hintNode ? `${hintNode.id} ${error.id}` : error.id);
  return {
    control,
    error,
    node: el("div", { class: "field" }, el("label", { for: id }, label), hintNode, control, error),
  };
}

// Shows (or, with "", clears) an entry's error: a field's control is marked invalid, a
// group of controls (entry.group, a fieldset) as a whole.
export function setError(entry, text) {
  entry.error.textContent = text || "";
  show(entry.error, Boolean(text));
  if (entry.group) {
    entry.group.classList.toggle("invalid", Boolean(text));
  } else if (text) {
    entry.control.setAttribute("aria-invalid", "true");
  } else {
    entry.control.removeAttribute("aria-invalid");
  }
}

// The field a refusal names: `field` from the domain, or the place of a validation error
// (["body", "title", "nl"] is the field "title.nl").
export function faultyField(error) {
  if (!(error instanceof HttpError)) return null;
  if (error.field) return error.field;
  const loc = error.errors?.[0]?.loc;
  return Array.isArray(loc) && loc[0] === "body" && loc.length > 1 ? loc.slice(1).join(".") : null;
}

// A refusal beside its field when it names one the form shows; otherwise in `general`.
// own: the page's texts for some refusal codes; describe: the page's wording otherwise.
export function showRefusal(error, fields, general, { own = {}, describe = problem } = {}) {
  if (error instanceof SessionLost) return;
  const name = faultyField(error);
  const entry = name && Object.hasOwn(fields, name) ? fields[name] : null;
  if (entry) {
    setError(entry, own[error.code] || describe(error));
    entry.control.focus();
    return;
  }
  general.textContent = describe(error);
  show(general, true);
}

// Esc anywhere in an open form cancels it.
export function cancelOnEscape(form, cancel) {
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      cancel();
    }
  });
}

// A form to change an item opens in the item's place (place, an element of the list),
// its view (the part matching viewSelector) hidden meanwhile; a form for a new item opens
// in slot. Cancel and Esc close it again and put focus back on opener.
export function placeForm(form, { place, viewSelector, slot, opener, cancel }) {
  const view = place ? place.querySelector(viewSelector) : null;
  const close = () => {
    form.remove();
    if (view) show(view, true);
    opener.focus();
  };
  cancel.addEventListener("click", close);
  cancelOnEscape(form, close);
  if (view) {
    show(view, false);
    place.append(form);
  } else {
    slot.replaceChildren(form);
  }
}

// Closes every form placeForm() opened in this slot and list.
export function closeForms(slot, list, viewSelector) {
  slot.replaceChildren();
  for (const form of list.querySelectorAll("form")) form.remove();
  for (const view of list.querySelectorAll(viewSelector)) show(view, true);
}
