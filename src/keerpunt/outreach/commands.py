"""keerpunt outreach import | sources add | sources list | terms load | login | collect | purge"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from tqdm import tqdm  # type: ignore[import-untyped]

from keerpunt.context import Context
from keerpunt.core.errors import DomainError
from keerpunt.outreach import actions, jobs, store
from keerpunt.outreach.collector import Collector, client_from_settings, connect
from keerpunt.outreach.matching import starter_terms
from keerpunt.outreach.posts import Post
from keerpunt.outreach.schemas import SourceIn
from keerpunt.outreach.telegram_export import ExportedChat, ReadCounts, read_export

if TYPE_CHECKING:
    from keerpunt.config import Settings

outreach_app = typer.Typer(
    no_args_is_help=True, help="Outreach: public Telegram sources, imports and collection"
)
sources_app = typer.Typer(no_args_is_help=True, help="The watched public sources")
terms_app = typer.Typer(no_args_is_help=True, help="The watchlist")
outreach_app.add_typer(sources_app, name="sources")
outreach_app.add_typer(terms_app, name="terms")

out = Console()
err = Console(stderr=True)
# Posts per transaction on import.
BATCH = 500
T = TypeVar("T")


def _settings() -> Settings:
    # The main CLI's checks (settings, schema), imported late: cli.py mounts this app.
    from keerpunt import cli

    settings = cli.settings_or_exit()
    cli.require_current_schema(settings)
    return settings


def _fail(message: str, code: int = 2) -> typer.Exit:
    # The main CLI's one-line error, imported late: cli.py mounts this app.
    from keerpunt import cli

    return cli.fail(message, code)


def _run(settings: Settings, work: Callable[[Context], Awaitable[T]]) -> T:
    from keerpunt import cli

    return cli.run(cli._with_context(settings, work))


@dataclass
class ImportSummary:
    counts: ReadCounts = field(default_factory=ReadCounts)
    result: actions.IngestResult = field(default_factory=actions.IngestResult)
    # Chats passed over: name -> why.
    skipped: dict[str, str] = field(default_factory=dict)
    per_source: Counter[str] = field(default_factory=Counter)


UNKNOWN_HINT = (
    "a public chat that is no registered source: add it with 'keerpunt outreach sources"
    " add --username NAME --peer-id {peer} ...' (after approval) and import again"
)


async def import_export(
    ctx: Context, path: Path, progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Read an export and ingest the posts of registered sources only; private chats
    and unknown public ones are passed over without reading their messages."""
    summary = ImportSummary()
    async with ctx.read() as session:
        known = {s.peer_id: s for s in await store.sources(session) if s.peer_id is not None}

    def wanted(chat: ExportedChat) -> bool:
        label = chat.name or str(chat.peer_id)
        if not chat.public:
            summary.skipped[label] = "private chat: never read"
            return False
        if chat.peer_id not in known:
            summary.skipped[label] = UNKNOWN_HINT.format(peer=chat.peer_id)
            return False
        return True

    batch: list[Post] = []
    current: int | None = None
    described: set[int] = set()

    async def flush() -> None:
        if batch and current is not None:
            done = await actions.ingest(ctx, known[current].id, batch, "export")
            summary.result.add(done)
            summary.per_source[known[current].username] += done.read
            batch.clear()

    for chat, post in read_export(path, summary.counts, progress, wanted):
        if chat.peer_id != current or len(batch) >= BATCH:
            await flush()
            current = chat.peer_id
        if chat.peer_id not in described:
            described.add(chat.peer_id)
            kind = chat.type.removeprefix("public_")
            await actions.describe_source(ctx, known[chat.peer_id].id, chat.name, kind)
        batch.append(post)
    await flush()
    return summary


@outreach_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A Telegram Desktop JSON export (result.json)")],
) -> None:
    """Import the posts of registered public sources from a Telegram Desktop export.
    What does not match the watchlist is counted and dropped."""
    if not path.is_file():
        raise _fail(f"no such file: {path}")
    settings = _settings()
    size = path.stat().st_size
    with tqdm(total=size, unit="B", unit_scale=True, desc="importing", file=err.file) as bar:

        def progress(done: int) -> None:
            bar.update(max(0, done - bar.n))

        async def work(ctx: Context) -> ImportSummary:
            return await import_export(ctx, path, progress)

        summary = _run(settings, work)
    result, counts = summary.result, summary.counts
    out.print(
        f"read {result.read:,} posts from {counts.chats:,} chats;"
        f" {result.matched:,} matched, {result.stored:,} stored"
        f" ({result.known:,} stored already);"
        f" items: {result.items_new:,} new, {result.items_grown:,} grown;"
        f" skipped {counts.service + counts.unsupported:,} service or unsupported entries",
        highlight=False,
        soft_wrap=True,
    )
    for name, reason in sorted(summary.skipped.items()):
        out.print(f"skipped {escape(name)}: {escape(reason)}", highlight=False, soft_wrap=True)


@sources_app.command("add")
def sources_add(
    username: Annotated[str, typer.Option(help="name, @name or https://t.me/name")],
    purpose: Annotated[str, typer.Option(help="Why this source is watched")],
    dpia_ref: Annotated[str, typer.Option("--dpia-ref", help="The DPIA it falls under")],
    approved_by: Annotated[str, typer.Option("--approved-by", help="Who approved it")],
    peer_id: Annotated[
        int | None, typer.Option("--peer-id", help="The marked peer id (-100...) of an export")
    ] = None,
) -> None:
    """Watch a public channel or group."""
    settings = _settings()
    data = SourceIn(
        username=username,
        purpose=purpose,
        dpia_ref=dpia_ref,
        approved_by=approved_by,
        peer_id=peer_id,
    )

    async def work(ctx: Context) -> str:
        source = await actions.add_source(ctx, None, data)
        return source.username

    name = _run(settings, work)
    out.print(f"watching {name}", highlight=False)


@sources_app.command("list")
def sources_list() -> None:
    """The watched sources and their state."""
    settings = _settings()

    async def work(ctx: Context) -> list[tuple[str, str, str, int]]:
        async with ctx.read() as session:
            rows = await store.sources(session)
            matched = await store.matched_per_source(session)
        return [
            (
                s.username,
                s.state if s.active else "off",
                str(s.peer_id or "-"),
                matched.get(s.id, 0),
            )
            for s in rows
        ]

    for username, state, peer, matched in _run(settings, work):
        out.print(f"{username}\t{state}\t{peer}\t{matched:,} matched", highlight=False)


@terms_app.command("load")
def terms_load() -> None:
    """Add the shipped starter watchlist's terms that are not on the list yet."""
    settings = _settings()
    entries = [(t.text, t.kind, t.category, t.weight) for t in starter_terms()]

    async def work(ctx: Context) -> int:
        return await actions.load_terms(ctx, entries)

    added = _run(settings, work)
    out.print(f"added {added:,} terms", highlight=False)


SESSION_FILE = "keerpunt_telegram_session"


@outreach_app.command("login")
def login(
    force: Annotated[
        bool, typer.Option("--force", help="Replace a session that is configured already")
    ] = False,
) -> None:
    """Log the collector's Telegram account in, once, and keep the session string as a
    secret (DATA_DIR/secrets/keerpunt_telegram_session, mode 0600). Asks for the phone
    number, the code Telegram sends, and the account's two-step password if it has one."""
    from keerpunt import cli
    from keerpunt.config import secrets_dir

    settings = cli.settings_or_exit()
    if settings.telegram_api_id is None or settings.telegram_api_hash is None:
        raise _fail(
            "set KEERPUNT_TELEGRAM_API_ID and KEERPUNT_TELEGRAM_API_HASH first"
            " (the collector's app at my.telegram.org)"
        )
    if settings.telegram_session is not None and not force:
        # Logging in again and again earns flood waits of hours: keep the one session.
        raise _fail("a Telegram session is configured already; --force replaces it")
    folder = secrets_dir() or settings.data_dir / "secrets"
    api_id, api_hash = settings.telegram_api_id, settings.telegram_api_hash.get_secret_value()

    async def work() -> str:
        from telethon import TelegramClient
        from telethon.errors import RPCError
        from telethon.sessions import StringSession

        client = TelegramClient(StringSession(), api_id, api_hash, receive_updates=False)
        try:
            await client.start(
                phone=lambda: typer.prompt("phone number (+31...)"),
                code_callback=lambda: typer.prompt("the code Telegram sent"),
                password=lambda: typer.prompt("two-step password", hide_input=True),
            )
            return str(client.session.save())
        except (RPCError, ConnectionError, OSError) as exc:
            raise _fail(f"Telegram refused the log-in: {type(exc).__name__}") from None
        finally:
            await client.disconnect()

    import asyncio

    value = asyncio.run(work())
    cli.write_secret(folder / SESSION_FILE, value)
    saved = folder / SESSION_FILE
    out.print(f"wrote {saved}; 'keerpunt outreach collect' uses it", highlight=False)


@outreach_app.command("collect")
def collect(
    once: Annotated[bool, typer.Option("--once", help="One pass over the due sources")] = False,
) -> None:
    """Collect new posts of the watched sources with the live Telegram client."""
    settings = _settings()
    if (
        settings.telegram_session is None
        or settings.telegram_api_id is None
        or settings.telegram_api_hash is None
    ):
        raise _fail(
            "no Telegram session is configured: set KEERPUNT_TELEGRAM_API_ID,"
            " KEERPUNT_TELEGRAM_API_HASH and KEERPUNT_TELEGRAM_SESSION"
        )
    session = settings.telegram_session.get_secret_value()
    api_hash = settings.telegram_api_hash.get_secret_value()
    api_id = settings.telegram_api_id

    async def work(ctx: Context) -> None:
        import asyncio

        client = client_from_settings(session, api_id, api_hash)
        await connect(client)
        try:
            collector = Collector(
                client,
                jobs.DatabaseCollectorStore(ctx),
                ctx.clock,
                requests_per_minute=settings.outreach_requests_per_minute,
                pause_above_seconds=settings.outreach_pause_above_seconds,
            )
            if once:
                report = await collector.run_once()
                out.print(f"{report.sources} sources, {report.posts:,} posts read", highlight=False)
            else:
                await collector.run(asyncio.Event())
        finally:
            await client.disconnect()

    try:
        _run(settings, work)
    except DomainError as exc:
        raise _fail(exc.reason, 1) from None


@outreach_app.command("purge")
def purge() -> None:
    """Delete the text of matched posts past KEERPUNT_OUTREACH_RETENTION_DAYS, unless an
    open item holds it. The server does this daily by itself; this runs it now."""
    settings = _settings()
    done = _run(settings, jobs.purge)
    out.print(
        f"deleted the text of {done.posts:,} outreach posts before"
        f" {done.cutoff:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
