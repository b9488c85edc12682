// The admin page's staff part: every account (disable, enable, reset its authenticator
// app) and every live session (end it). Sessions show who and when, never an id or an
// address. Disabling or ending a session closes that person's console at once.

import { t, config } from "./strings.js";
import { el, $ } from "./dom.js";
import { SessionLost, detailOf, problem as staffProblem, status, button } from "./staffpage.js";

function when(iso) {
  return new Date(iso).toLocaleString(config.locale === "nl" ? "nl-NL" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

function headRow(...names) {
  return el("thead", {}, el("tr", {}, ...names.map((name) => el("th", { scope: "col" }, name))));
}

// call: the API with the session (staffpage.js); me: the logged-in admin.
export function staffPart(call) {
  const statusLine = $("#staff-status");
  const users = $("#staff-users");
  const sessions = $("#staff-sessions");

  function problem(error) {
    return staffProblem(error, detailOf);
  }

  async function act(path, options, done) {
    try {
      await call(path, options);
      status(statusLine, done);
    } catch (error) {
      if (error instanceof SessionLost) return;
      status(statusLine, problem(error));
    }
    await load();
  }

  function userRow(user) {
    const name = user.display_name || user.username;
    const actions = el("td", { class: "actions" });
    if (user.is_active) {
      const off = button(t("staff_disable"), { label: t("staff_disable_named", { name }) });
      off.addEventListener("click", () => {
        if (!window.confirm(t("staff_confirm_disable", { name }))) return;
        act(`/api/v1/users/${user.id}/disable`, { method: "POST" }, t("staff_disabled", { name }));
      });
      actions.append(off);
    } else {
      const on = button(t("staff_enable"), { label: t("staff_enable_named", { name }) });
      on.addEventListener("click", () =>
        act(`/api/v1/users/${user.id}/enable`, { method: "POST" }, t("staff_enabled", { name })),
      );
      actions.append(on);
    }
    if (user.totp_enrolled) {
      const reset = button(t("staff_totp_reset"), { label: t("staff_totp_reset_named", { name }) });
      reset.addEventListener("click", () => {
        if (!window.confirm(t("staff_confirm_totp_reset", { name }))) return;
        act(
          `/api/v1/users/${user.id}/totp-reset`,
          { method: "POST" },
          t("staff_totp_was_reset", { name }),
        );
      });
      actions.append(" ", reset);
    }
    return el(
      "tr",
      { class: user.is_active ? null : "inactive", dataset: { user: user.username } },
      el("td", {}, user.username),
      el("td", {}, user.roles.join(", ")),
      el("td", {}, user.is_active ? t("staff_active") : t("staff_inactive")),
      el("td", {}, user.totp_enrolled ? t("staff_totp_on") : t("staff_totp_pending")),
      actions,
    );
  }

  function sessionRow(session) {
    const end = session.current
      ? el("td", {}, t("staff_session_yours"))
      : el("td", { class: "actions" });
    if (!session.current) {
      const name = session.username;
      const stop = button(t("staff_session_end"), { label: t("staff_session_end_named", { name }) });
      stop.addEventListener("click", () =>
        act(
          `/api/v1/sessions/${encodeURIComponent(session.handle)}`,
          { method: "DELETE" },
          t("staff_session_ended", { name }),
        ),
      );
      end.append(stop);
    }
    return el(
      "tr",
      { dataset: { user: session.username } },
      el("td", {}, session.username),
      el("td", {}, session.roles.join(", ")),
      el("td", {}, when(session.created_at)),
      el("td", {}, when(session.last_seen_at)),
      end,
    );
  }

  async function load() {
    let accounts;
    let live;
    try {
      [accounts, live] = await Promise.all([call("/api/v1/users"), call("/api/v1/sessions")]);
    } catch (error) {
      if (!(error instanceof SessionLost)) status(statusLine, problem(error));
      return;
    }
    users.replaceChildren(
      headRow(t("staff_user"), t("staff_roles"), t("staff_state"), t("staff_totp"), t("staff_do")),
      el("tbody", {}, ...accounts.map(userRow)),
    );
    sessions.replaceChildren(
      headRow(t("staff_user"), t("staff_roles"), t("staff_since"), t("staff_last_seen"), t("staff_do")),
      el("tbody", {}, ...live.map(sessionRow)),
    );
  }

  return { load };
}
