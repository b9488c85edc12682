// The staff log-in form, shared by the console and the admin page: the same fields, the
// same checks, the same messages. The page says what happens once someone is logged in.

import { api, HttpError } from "./socket.js";
import { t } from "./strings.js";
import { show } from "./dom.js";

// form: the #login form; its fields #username, #password and the #login-error line.
// onUser(user) runs after a successful log-in, with the user as /api/v1/me answers it.
export function bindLogin(form, onUser) {
  const username = form.querySelector("#username");
  const password = form.querySelector("#password");
  const error = form.querySelector("#login-error");
  const button = form.querySelector("button[type=submit]");

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
        body: { username: name, password: password.value },
      });
      password.value = "";
      await onUser(user);
    } catch (failure) {
      let text = t("login_network");
      if (failure instanceof HttpError) {
        const reason = failure.message && !/^HTTP \d+$/.test(failure.message) ? failure.message : "";
        text = reason ? t("login_failed", { reason }) : t("login_failed_plain");
      }
      error.textContent = text;
      show(error, true);
      password.value = "";
      password.focus();
    } finally {
      button.disabled = false;
    }
  });
}

// Ends the session on the server; a session that is gone already has the same end result.
export async function logOut() {
  try {
    await api("/api/v1/auth/logout", { method: "POST" });
  } catch {
    // gone already
  }
}
