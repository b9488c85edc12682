"""keerpunt knowledge export --since --until --out FILE"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from keerpunt.context import Context
from keerpunt.core.errors import DomainError
from keerpunt.knowledge import actions

knowledge_app = typer.Typer(
    no_args_is_help=True, help="The de-identified transcript export for research"
)
err = Console(stderr=True)


@knowledge_app.command("export")
def export(
    since: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="first day (chat start)")],
    until: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="last day, included")],
    out: Annotated[Path, typer.Option("--out", help="the JSON Lines file to write")],
) -> None:
    """De-identified transcripts of the period's ended chats, one per line (audited). The
    first run in a process loads the de-identification library: allow a minute or two."""
    from keerpunt import cli

    settings = cli.settings_or_exit()
    cli.require_current_schema(settings)

    async def work(ctx: Context) -> list[str]:
        return await actions.export(ctx, None, since.date(), until.date(), via="cli")

    try:
        lines = cli.run(cli._with_context(settings, work))
    except DomainError as exc:
        raise cli.fail(exc.reason) from None
    out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    out.chmod(0o600)
    err.print(f"{cli.plural(len(lines), 'conversation')} written to {out}")
