// The admin page's opening hours: the week, closed dates, dates with their own hours, and
// the chat policy (the cut-off before closing, the idle warning and closing). One form,
// saved whole with PUT /api/v1/hours; the server checks everything again and refuses a
// bad schedule whole, naming the field at fault.

import { t, config } from "./strings.js";
import { $ } from "./dom.js";
import { SessionLost, detailOf, faultyField, problem as staffProblem, setError, status } from "./staffpage.js";

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const SPAN = /^(([01]\d|2[0-3]):[0-5]\d)-(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function spansText(spans) {
  return spans.map((span) => `${span.start}-${span.end}`).join(", ");
}

// "12:00-17:00, 18:00-22:00" as spans; null when a part is not a time range.
function parseSpans(text) {
  const parts = text.split(",").map((part) => part.trim()).filter(Boolean);
  const spans = [];
  for (const part of parts) {
    const match = SPAN.exec(part.replace(/\s+/g, ""));
    if (!match) return null;
    spans.push({ start: match[1], end: match[3] });
  }
  return spans;
}

function lines(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}

export function hoursPart(call) {
  const form = $("#hours-form");
  const statusLine = $("#hours-status");
  const nowLine = $("#hours-now");
  const sourceLine = $("#hours-source");
  const general = $("#hours-error");
  const entry = (id) => ({ control: $(`#${id}`), error: $(`#${id}-error`) });
  const fields = {
    ...Object.fromEntries(DAYS.map((day) => [`week.${day}`, entry(`hours-${day}`)])),
    closed_dates: entry("hours-closed"),
    exceptions: entry("hours-exceptions"),
    closing_cutoff_minutes: entry("hours-cutoff"),
    idle_warning_minutes: entry("hours-idle-warning"),
    idle_close_minutes: entry("hours-idle-close"),
  };
  let zone = "Europe/Amsterdam";

  function at(iso) {
    return new Date(iso).toLocaleString(config.locale === "nl" ? "nl-NL" : "en-GB", {
      weekday: "long",
      day: "numeric",
      month: "long",
      hour: "2-digit",
      minute: "2-digit",
      timeZone: zone,
    });
  }

  function describeNow(now) {
    if (now.state === "open") {
      return now.closes_at ? t("hours_now_open", { when: at(now.closes_at) }) : t("hours_now_open_on");
    }
    if (now.state === "closing_soon") return t("hours_now_closing_soon", { when: at(now.closes_at) });
    return now.opens_at ? t("hours_now_closed", { when: at(now.opens_at) }) : t("hours_now_closed_on");
  }

  function fill(hours) {
    zone = hours.timezone || zone;
    for (const day of DAYS) fields[`week.${day}`].control.value = spansText(hours.week[day] || []);
    fields.closed_dates.control.value = hours.closed_dates.map((d) => `${d.day} ${d.label}`).join("\n");
    fields.exceptions.control.value = hours.exceptions
      .map((d) => `${d.day} ${spansText(d.spans)} ${d.label}`)
      .join("\n");
    fields.closing_cutoff_minutes.control.value = hours.closing_cutoff_minutes;
    fields.idle_warning_minutes.control.value = hours.idle_warning_minutes;
    fields.idle_close_minutes.control.value = hours.idle_close_minutes;
    nowLine.textContent = describeNow(hours.now);
    sourceLine.textContent = hours.source === "database" ? "" : t("hours_from_file");
  }

  // The form as the API's body, or the errors per field.
  function read() {
    const errors = {};
    const week = {};
    for (const day of DAYS) {
      const spans = parseSpans(fields[`week.${day}`].control.value);
      if (spans === null) errors[`week.${day}`] = t("hours_bad_spans");
      else week[day] = spans;
    }
    const closed = [];
    for (const line of lines(fields.closed_dates.control.value)) {
      const [day, ...label] = line.split(/\s+/);
      if (!DATE.test(day) || !label.length) errors.closed_dates = t("hours_bad_closed", { line });
      else closed.push({ day, label: label.join(" ") });
    }
    const exceptions = [];
    for (const line of lines(fields.exceptions.control.value)) {
      const [day, ...rest] = line.split(/\s+/);
      const spanParts = [];
      while (rest.length && SPAN.test(rest[0].replace(/,$/, ""))) spanParts.push(rest.shift().replace(/,$/, ""));
      if (!DATE.test(day) || !spanParts.length || !rest.length) {
        errors.exceptions = t("hours_bad_exception", { line });
      } else {
        exceptions.push({ day, spans: parseSpans(spanParts.join(",")), label: rest.join(" ") });
      }
    }
    const number = (name) => Number.parseInt(fields[name].control.value, 10);
    const body = {
      week,
      closed_dates: closed,
      exceptions,
      closing_cutoff_minutes: number("closing_cutoff_minutes"),
      idle_warning_minutes: number("idle_warning_minutes"),
      idle_close_minutes: number("idle_close_minutes"),
    };
    for (const name of ["closing_cutoff_minutes", "idle_warning_minutes", "idle_close_minutes"]) {
      if (Number.isNaN(body[name])) errors[name] = t("hours_bad_number");
    }
    return { body, errors };
  }

  // The form field a refusal names: "week.monday", "exceptions.2026-12-24" (exceptions)
  // or a validation error's place ("closed_dates.0.day": closed_dates).
  function fieldOf(error) {
    const name = faultyField(error);
    if (!name) return null;
    const parts = name.split(".");
    return parts[0] === "week" ? parts.slice(0, 2).join(".") : parts[0];
  }

  async function save(event) {
    event.preventDefault();
    for (const field of Object.values(fields)) setError(field, "");
    general.hidden = true;
    const { body, errors } = read();
    const faulty = Object.keys(fields).filter((name) => errors[name]);
    for (const name of faulty) setError(fields[name], errors[name]);
    if (faulty.length) {
      fields[faulty[0]].control.focus();
      return;
    }
    try {
      fill(await call("/api/v1/hours", { method: "PUT", body }));
      status(statusLine, t("hours_saved"));
    } catch (error) {
      if (error instanceof SessionLost) return;
      const own = {
        span_order: t("hours_span_order"),
        span_overlap: t("hours_span_overlap"),
        duplicate_date: t("hours_duplicate_date"),
      };
      const text = own[error.code] || staffProblem(error, detailOf);
      const name = fieldOf(error);
      if (name && fields[name]) {
        setError(fields[name], text);
        fields[name].control.focus();
      } else {
        general.textContent = text;
        general.hidden = false;
      }
    }
  }

  async function load() {
    try {
      fill(await call("/api/v1/hours"));
    } catch (error) {
      if (!(error instanceof SessionLost)) status(statusLine, staffProblem(error, detailOf));
    }
  }

  form.addEventListener("submit", save);
  return { load };
}
