"""The console's case tools: a returning chatter's history, duplicates, warm handovers,
the handover list and merges (web/static/js/casetools.js and handovers.js)."""

CASE: dict[str, str] = {}
