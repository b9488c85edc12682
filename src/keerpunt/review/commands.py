"""keerpunt review sample [--week 2026-W49]"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from keerpunt.context import Context
from keerpunt.core.errors import DomainError
from keerpunt.review import actions
from keerpunt.review.schemas import SampleDrawn

if TYPE_CHECKING:
    from keerpunt.config import Settings

review_app = typer.Typer(no_args_is_help=True, help="Review against the method: the weekly sample")
out = Console()


def _settings() -> Settings:
    # The main CLI's checks (settings, schema), imported late: cli.py mounts this app.
    from keerpunt import cli

    settings = cli.settings_or_exit()
    cli.require_current_schema(settings)
    return settings


@review_app.command("sample")
def sample(
    week: Annotated[
        str | None,
        typer.Option(help="ISO week like 2026-W49; default: the last complete week"),
    ] = None,
) -> None:
    """Draw a week's sample for review (once per week; a second run draws nothing new)."""
    from keerpunt import cli

    settings = _settings()

    async def work(ctx: Context) -> SampleDrawn:
        return await actions.draw_sample(ctx, week)

    try:
        drawn = cli.run(cli._with_context(settings, work))
    except DomainError as exc:
        raise cli.fail(exc.reason) from None
    if drawn.already:
        out.print(f"{drawn.week}: drawn before; nothing new drawn")
    else:
        out.print(f"{drawn.week}: {cli.plural(drawn.drawn, 'conversation')} drawn for review")
