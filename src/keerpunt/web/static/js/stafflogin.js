// The staff log-in form, shared by the console, the admin and the analyst page: the same
// fields, the same checks, the same messages. The page says what happens once someone is
// logged in. A user without a second factor yet enrols here first: a QR code (made on the
// server, shown once), a first code from the app, then ten recovery codes (shown once).

import { api, HttpError, setCsrfToken } from "./socket.js";
import { t } from "./strings.js";
import { el, show } from "./dom.js";

// The server's reason, or nothing when it only said "HTTP 401".
function reasonOf(failure) {
  return failure.message && !/^HTTP \d+$/.test(failure.message) ? failure.message : "";
}

function failureText(failure) {
  if (!(failure instanceof HttpError)) return t("login_network");
  const reason = reasonOf(failure);
  return reason ? t("login_failed", { reason }) : t("login_failed_plain");
}

// The logged-in staff member as /api/v1/me answers, remembering the session's CSRF token.
export async function fetchMe(call = api) {
  const user = await call("/api/v1/me");
  setCsrfToken(user.csrf_token);
  return user;
}

// form: the #login form; its fields #username, #password, #totp and the #login-error
// line; beside it the #enrol and #recovery steps. onUser(user) runs after a successful
// log-in, with the user as /api/v1/me answers it.
export function bindLogin(form, onUser) {
  const root = form.parentElement;
  const username = form.querySelector("#username");
  const password = form.querySelector("#password");
  const code = form.querySelector("#totp");
  const error = form.querySelector("#login-error");
  const button = form.querySelector("button[type=submit]");
  const enrol = root.querySelector("#enrol");
  const enrolForm = root.querySelector("#enrol-form");
  const enrolCode = root.querySelector("#enrol-code");
  const enrolError = root.querySelector("#enrol-error");
  const recovery = root.querySelector("#recovery");
  let enrolled = null;

  function reset() {
    show(enrol, false);
    show(recovery, false);
    show(form, true);
    root.querySelector("#enrol-qr").replaceChildren();
    root.querySelector("#enrol-secret").textContent = "";
    root.querySelector("#recovery-codes").replaceChildren();
    enrolled = null;
  }

  async function startEnrolment() {
    const begun = await api("/api/v1/auth/totp/begin", { method: "POST" });
    // The image exists only while the QR code is shown (made on the server, a data URI).
    const slot = root.querySelector("#enrol-qr");
    slot.replaceChildren(
      el("img", { src: begun.qr, alt: slot.dataset.alt, width: 240, height: 240 }),
    );
    // Groups of four are easier to type into an app.
    root.querySelector("#enrol-secret").textContent = begun.secret.match(/.{1,4}/g).join(" ");
    enrolCode.value = "";
    show(enrolError, false);
    show(form, false);
    show(enrol, true);
    root.querySelector("#enrol-title").focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = username.value.trim();
    show(error, false);
    if (!name || !password.value) {
      error.textContent = t("login_missing");
      show(error, true);
      (name ? password : username).focus();
      return;
    }
    button.disabled = true;
    try {
      const user = await api("/api/v1/auth/login", {
        method: "POST",
        body: { username: name, password: password.value, totp: code.value.trim() },
      });
      password.value = "";
      code.value = "";
      setCsrfToken(user.csrf_token);
      if (user.enrolling) {
        await startEnrolment();
        return;
      }
      reset();
      await onUser(user);
    } catch (failure) {
      error.textContent = failureText(failure);
      show(error, true);
      password.value = "";
      code.value = "";
      show(enrol, false);
      show(form, true);
      password.focus();
    } finally {
      button.disabled = false;
    }
  });

  enrolForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(enrolError, false);
    const typed = enrolCode.value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(typed)) {
      enrolError.textContent = t("enrol_code_missing");
      show(enrolError, true);
      enrolCode.focus();
      return;
    }
    const submit = enrolForm.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      enrolled = await api("/api/v1/auth/totp/confirm", { method: "POST", body: { code: typed } });
      setCsrfToken(enrolled.csrf_token);
      const list = root.querySelector("#recovery-codes");
      list.replaceChildren(...enrolled.recovery_codes.map((one) => el("li", {}, one)));
      show(enrol, false);
      show(recovery, true);
      root.querySelector("#recovery-title").focus();
    } catch (failure) {
      if (failure instanceof HttpError && failure.status === 401) {
        // The enrolment took too long: its short session is gone. Start again.
        reset();
        error.textContent = t("session_ended");
        show(error, true);
        username.focus();
        return;
      }
      enrolError.textContent = failureText(failure);
      show(enrolError, true);
      enrolCode.value = "";
      enrolCode.focus();
    } finally {
      submit.disabled = false;
    }
  });

  root.querySelector("#recovery-done").addEventListener("click", async () => {
    const user = enrolled;
    reset();
    if (user) await onUser(user);
  });
}

// Ends the session on the server; a session that is gone already has the same end result.
export async function logOut() {
  try {
    await api("/api/v1/auth/logout", { method: "POST" });
  } catch {
    // gone already
  }
  setCsrfToken("");
}
