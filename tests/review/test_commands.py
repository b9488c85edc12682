"""`keerpunt review sample` and `keerpunt knowledge export` as an operator runs them."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from keerpunt.config import Settings
from keerpunt.context import build_context
from keerpunt.review import weeks
from tests.review.helpers import ended_chat, staff
from tests.test_cli import clean_env, keerpunt


def test_the_sample_and_the_export_from_the_command_line(tmp_path: Path) -> None:
    env = clean_env(tmp_path, KEERPUNT_ENV="production")
    assert keerpunt("keys", "init", env=env).returncode == 0
    assert keerpunt("db", "upgrade", env=env).returncode == 0
    data = tmp_path / "data"
    settings = Settings(
        data_dir=data,
        always_open=True,
        _secrets_dir=data / "secrets",  # type: ignore[call-arg]
    )

    async def seed() -> tuple[str, str]:
        ctx = build_context(settings)
        try:
            anna = await staff(ctx, "anna", ["counselor"])
            await ended_chat(ctx, anna, ("ik ben Pieter Bakker uit Zwolle", "help me"))
            now = ctx.clock.now()
            return weeks.week_of(now, ctx.organisation.zone), ctx.today().isoformat()
        finally:
            await ctx.close()

    week, today = asyncio.run(seed())
    drawn = keerpunt("review", "sample", "--week", week, env=env)
    assert drawn.returncode == 0, drawn.stderr
    assert drawn.stdout.strip() == f"{week}: 1 conversation drawn for review"
    again = keerpunt("review", "sample", "--week", week, env=env)
    assert again.stdout.strip() == f"{week}: drawn before; nothing new drawn"
    wrong = keerpunt("review", "sample", "--week", "2026-W60", env=env)
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == "error: 2026-W60 has no such week"
    assert "Traceback" not in wrong.stderr

    out = tmp_path / "kennis.jsonl"
    exported = keerpunt(
        "knowledge",
        "export",
        "--since",
        today,
        "--until",
        today,
        "--out",
        str(out),
        env=env,
        timeout=300,
    )
    assert exported.returncode == 0, exported.stderr
    (line,) = out.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    for planted in ("Pieter", "Bakker", "Zwolle"):
        assert planted not in line
    assert any("help me" in m["text"] for m in record["messages"])
    assert out.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(data / "keerpunt.db") as db:
        logged = db.execute(
            "SELECT role, count, subject FROM audit_entries WHERE action = 'export'"
        ).fetchall()
    assert logged == [("system", 1, "knowledge:cli")]
