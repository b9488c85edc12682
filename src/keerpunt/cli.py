"""keerpunt serve | demo | db | user | keys | taxonomy | campaign | report | audit | retention"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from keerpunt.accounts import actions as accounts
from keerpunt.accounts import store as accounts_store
from keerpunt.accounts import totp
from keerpunt.bootstrap import ensure_defaults
from keerpunt.campaigns import actions as campaigns
from keerpunt.campaigns import store as campaigns_store
from keerpunt.campaigns.schemas import CampaignRead
from keerpunt.config import ConfigError, Settings, load_settings, secrets_dir
from keerpunt.context import Context, build_context
from keerpunt.core.errors import DomainError, first_problem
from keerpunt.core.logging import configure_logging
from keerpunt.db import migrate
from keerpunt.db.engine import sqlite_path
from keerpunt.demo import seed_demo
from keerpunt.knowledge.commands import knowledge_app
from keerpunt.organisation import load_organisation
from keerpunt.outreach import jobs as outreach_jobs
from keerpunt.outreach.commands import outreach_app
from keerpunt.privacy import actions as privacy
from keerpunt.privacy import audit
from keerpunt.privacy import reads as privacy_reads
from keerpunt.privacy.crypto import KeyRing
from keerpunt.privacy.tokens import new_token
from keerpunt.registration import actions as registration
from keerpunt.registration import reads as registration_reads
from keerpunt.registration import store as registration_store
from keerpunt.registration.schemas import TaxonomyRead
from keerpunt.review.commands import review_app
from keerpunt.server import settle_gc, uvicorn_config

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Keerpunt help chat")
db_app = typer.Typer(no_args_is_help=True, help="Database schema")
user_app = typer.Typer(no_args_is_help=True, help="Staff accounts")
keys_app = typer.Typer(no_args_is_help=True, help="Encryption keys and secrets")
taxonomy_app = typer.Typer(no_args_is_help=True, help="The registration taxonomy")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(keys_app, name="keys")
app.add_typer(taxonomy_app, name="taxonomy")
campaign_app = typer.Typer(no_args_is_help=True, help="Campaigns and their tracking links")
report_app = typer.Typer(no_args_is_help=True, help="Reports: a campaign's, a period's, the funnel")
audit_app = typer.Typer(no_args_is_help=True, help="The access log")
app.add_typer(campaign_app, name="campaign")
app.add_typer(audit_app, name="audit")
app.add_typer(report_app, name="report")
retention_app = typer.Typer(no_args_is_help=True, help="Deleting text past its retention period")
app.add_typer(retention_app, name="retention")
app.add_typer(outreach_app, name="outreach")
app.add_typer(review_app, name="review")
app.add_typer(knowledge_app, name="knowledge")

out = Console()
err = Console(stderr=True)
T = TypeVar("T")


def fail(message: str, code: int = 2) -> typer.Exit:
    # soft_wrap: an error stays one line however narrow the terminal, so scripts can read it.
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        settings = load_settings()
        settings.check()
        load_organisation(settings.organisation_file)  # a broken policy file stops us here
    except ConfigError as exc:
        raise fail(str(exc)) from None
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        first = str(exc).splitlines()
        raise fail("invalid setting: " + " ".join(first[:3])) from None
    return settings


def run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except DomainError as exc:
        raise fail(exc.reason, 1) from None


def require_current_schema(settings: Settings) -> None:
    url = settings.resolved_database_url()
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise fail(f"no database at {path}: run 'keerpunt db upgrade' first")
    try:
        current = migrate.is_current(url)
    except Exception as exc:  # any connection failure: say where, not a traceback
        raise fail(
            f"cannot reach the database ({type(exc).__name__}): check KEERPUNT_DATABASE_URL"
        ) from None
    if not current:
        raise fail("the database schema is not current: run 'keerpunt db upgrade'")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
) -> None:
    """Serve the chat and the API."""
    from keerpunt.main import create_app

    settings = settings_or_exit()
    require_current_schema(settings)
    configure_logging(settings.log_level, settings.log_file)
    config = uvicorn_config(
        create_app(settings, reload_keys=lambda: load_settings().keyring_spec()),
        settings,
        host=host or settings.host,
        port=port or settings.port,
    )
    settle_gc()
    uvicorn.Server(config).run()


def seed(settings: Settings) -> None:
    """The shipped taxonomy and canned replies, into an empty database."""

    async def work() -> None:
        ctx = build_context(settings)
        try:
            await ensure_defaults(ctx)
        finally:
            await ctx.close()

    run(work())


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Bring the database schema up to date."""
    settings = settings_or_exit()
    url = settings.resolved_database_url()
    migrate.upgrade(url, revision)
    if migrate.is_current(url):
        seed(settings)
    out.print(f"schema at {migrate.current_revision(url)}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and of this code."""
    url = settings_or_exit().resolved_database_url()
    try:
        current = migrate.current_revision(url) or "empty"
    except Exception as exc:  # a connection failure: one line, not a traceback
        raise fail(f"cannot reach the database ({type(exc).__name__})") from None
    out.print(f"database: {current}  code: {migrate.head_revision(url)}")


def read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[
        list[str],
        typer.Option(
            help="counselor, supervisor, analyst, outreach, admin or researcher; repeatable"
        ),
    ],
    display_name: Annotated[str | None, typer.Option(help="Name shown to colleagues")] = None,
    max_chats: Annotated[int, typer.Option(help="Chats this counselor holds at once")] = 3,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
) -> None:
    """Create a staff account."""
    settings = settings_or_exit()
    require_current_schema(settings)
    password = read_password(password_stdin)

    async def create() -> None:
        ctx = build_context(settings)
        try:
            await accounts.create_user(
                ctx, username, password, role, display_name=display_name, max_chats=max_chats
            )
        finally:
            await ctx.close()

    run(create())
    out.print(
        f"created {username} ({', '.join(role)}); they set up an authenticator app at the"
        " first log-in"
    )


def _user_id(settings: Settings, username: str) -> int:
    async def find(ctx: Context) -> int | None:
        async with ctx.read() as session:
            user = await accounts_store.user_by_username(session, username)
        return user.id if user else None

    user_id = run(_with_context(settings, find))
    if user_id is None:
        raise fail(f"no user {username!r}")
    return user_id


def _change_user(username: str, change: Callable[[Context, int], Awaitable[object]]) -> None:
    settings = settings_or_exit()
    require_current_schema(settings)
    user_id = _user_id(settings, username)

    async def work(ctx: Context) -> None:
        await change(ctx, user_id)

    run(_with_context(settings, work))


@user_app.command("disable")
def user_disable(username: str) -> None:
    """Disable a staff account: every session of it ends and its sockets close."""
    _change_user(username, lambda ctx, uid: accounts.set_active(ctx, None, uid, False))
    out.print(f"disabled {username}; their sessions have ended")


@user_app.command("enable")
def user_enable(username: str) -> None:
    """Enable a disabled staff account again."""
    _change_user(username, lambda ctx, uid: accounts.set_active(ctx, None, uid, True))
    out.print(f"enabled {username}")


@user_app.command("totp-reset")
def user_totp_reset(username: str) -> None:
    """Remove the account's TOTP and recovery codes (a lost phone): it enrols again at
    the next log-in."""
    _change_user(username, lambda ctx, uid: accounts.reset_totp(ctx, None, uid))
    out.print(f"{username} enrols a new authenticator app at the next log-in")


@user_app.command("roles")
def user_roles(
    username: str,
    grant: Annotated[list[str] | None, typer.Option(help="A role to add; repeatable")] = None,
    revoke: Annotated[
        list[str] | None, typer.Option(help="A role to take away; repeatable")
    ] = None,
) -> None:
    """Grant or take away roles. Open sockets follow at once: a counselor who is no longer
    a counselor stops receiving their chats."""
    settings = settings_or_exit()
    require_current_schema(settings)

    async def change(ctx: Context) -> list[str]:
        user = await accounts.change_roles(
            ctx, None, username, grant=grant or [], revoke=revoke or []
        )
        return sorted(user.role_names)

    roles = run(_with_context(settings, change))
    out.print(f"{username}: {', '.join(roles)}")


async def _with_context(settings: Settings, work: Callable[[Context], Awaitable[T]]) -> T:
    ctx = build_context(settings)
    try:
        return await work(ctx)
    finally:
        await ctx.close()


@taxonomy_app.command("show")
def taxonomy_show() -> None:
    """The current version: per list its codes and Dutch labels, retired ones marked."""
    settings = settings_or_exit()
    require_current_schema(settings)
    view: TaxonomyRead = run(_with_context(settings, registration_reads.taxonomy_view))
    loaded = f", loaded {view.loaded_at:%Y-%m-%d %H:%M} UTC" if view.loaded_at else ""
    lines = [f"taxonomy version {view.version}{loaded}"]
    for name, items in view.lists.items():
        several = " (several may apply)" if name in view.multiple else ""
        lines.append(f"\n{name}{several}")
        width = max(len(item.code) for item in items)
        for item in items:
            retired = "  [retired]" if item.retired else ""
            lines.append(f"  {item.code:<{width}}  {item.label.nl}{retired}")
    # Plain text: labels are the organisation's own words, never console markup.
    typer.echo("\n".join(lines))


@taxonomy_app.command("load")
def taxonomy_load(
    file: Annotated[Path, typer.Argument(help="A taxonomy file (TOML), as 'export' prints")],
) -> None:
    """Load a new version. A file that would change what an earlier registration means
    is refused with one line saying what and where, and nothing is loaded."""
    settings = settings_or_exit()
    require_current_schema(settings)
    try:
        source = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror or type(exc).__name__}", 1) from None
    except UnicodeDecodeError:
        raise fail(f"cannot read {file}: it is not UTF-8 text", 1) from None

    async def load(ctx: Context) -> int:
        return (await registration.load_taxonomy(ctx, None, source)).version

    version = run(_with_context(settings, load))
    out.print(f"loaded taxonomy version {version}", highlight=False)


@taxonomy_app.command("export")
def taxonomy_export() -> None:
    """Print the current version's file as it was loaded, to copy, edit and load."""
    settings = settings_or_exit()
    require_current_schema(settings)

    async def source(ctx: Context) -> str | None:
        async with ctx.read() as session:
            rows = await registration_store.versions(session)
        return rows[-1].source if rows else None

    text = run(_with_context(settings, source))
    if text is None:
        raise fail("no taxonomy is loaded: run 'keerpunt db upgrade'", 1)
    typer.echo(text, nl=not text.endswith("\n"))


@campaign_app.command("list")
def campaign_list() -> None:
    """Every campaign with its period and its channels' tracking links."""
    settings = settings_or_exit()
    require_current_schema(settings)

    async def rows(ctx: Context) -> list[CampaignRead]:
        async with ctx.read() as session:
            found = await campaigns_store.campaigns(session)
            channels = await campaigns_store.channels(session, [c.id for c in found])
        return [campaigns.read(c, [ch for ch in channels if ch.campaign_id == c.id]) for c in found]

    found = run(_with_context(settings, rows))
    if not found:
        out.print("no campaigns yet: make one on the analyst page (/analyst)")
    for c in found:
        links = ", ".join(f"{ch.name} {ch.link}" for ch in c.channels) or "no channels"
        out.print(
            f"{c.id}  {escape(c.name)}  {c.starts_on} to {c.ends_on}  {escape(links)}",
            highlight=False,
            soft_wrap=True,
        )


FormatOption = Annotated[str, typer.Option("--format", "-f", help="html, pdf, xlsx or json")]
PartnerOption = Annotated[
    bool, typer.Option("--partner", help="The partner edition: small numbers suppressed")
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="File to write; default: a name in .")
]
LangOption = Annotated[str, typer.Option("--lang", help="nl or en")]
RegionOption = Annotated[
    list[str] | None, typer.Option("--region", help="Only chats registered in this region")
]


def make_report(request_fields: dict[str, object], output: Path | None) -> None:
    from pydantic import ValidationError

    from keerpunt.reports import actions as reports
    from keerpunt.reports.schemas import ReportRequest
    from keerpunt.reports.views import file_name, render

    try:
        request = ReportRequest.model_validate(request_fields)
    except ValidationError as exc:
        raise fail(first_problem(exc)) from None
    settings = settings_or_exit()
    require_current_schema(settings)
    steps = ["reading", "counting", "recording", "rendering", "writing"]

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), console=err
    ) as progress:
        task = progress.add_task("report", total=len(steps))

        def step(what: str) -> None:
            progress.update(task, description=what, completed=steps.index(what))

        async def work(ctx: Context) -> tuple[bytes, str]:
            report = await reports.produce(ctx, None, request, step)
            step("rendering")
            return render(report, request.format), file_name(report, request.format)

        content, name = run(_with_context(settings, work))
        step("writing")
        target = output or Path(name)
        try:
            target.write_bytes(content)
        except OSError as exc:
            raise fail(f"cannot write {target}: {exc.strerror}", 1) from None
        progress.update(task, completed=len(steps), description="done")
    out.print(f"wrote {target} ({len(content):,} bytes)", highlight=False)


@report_app.command("campaign")
def report_campaign(
    campaign_id: Annotated[
        int, typer.Argument(help="The campaign's number (keerpunt campaign list)")
    ],
    fmt: FormatOption = "html",
    partner: PartnerOption = False,
    output: OutputOption = None,
    lang: LangOption = "nl",
    region: RegionOption = None,
    since: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="Another start than the campaign's"),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Another end than the campaign's"),
    ] = None,
) -> None:
    """A campaign's report over its period (or the one given), in a file."""
    make_report(
        {
            "campaign_id": campaign_id,
            "format": fmt,
            "edition": "partner" if partner else "internal",
            "locale": lang,
            "regions": region or [],
            "starts_on": since.date() if since else None,
            "ends_on": until.date() if until else None,
        },
        output,
    )


@report_app.command("period")
def report_period(
    since: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day")],
    until: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day")],
    fmt: FormatOption = "html",
    partner: PartnerOption = False,
    output: OutputOption = None,
    lang: LangOption = "nl",
    region: RegionOption = None,
) -> None:
    """The report and the programme funnel of any period (and regions), in a file."""
    make_report(
        {
            "format": fmt,
            "edition": "partner" if partner else "internal",
            "locale": lang,
            "regions": region or [],
            "starts_on": since.date(),
            "ends_on": until.date(),
        },
        output,
    )


@audit_app.command("verify")
def audit_verify(
    expect_count: Annotated[
        int | None, typer.Option(min=0, help="The entry count a previous run printed")
    ] = None,
    expect_head: Annotated[
        str | None, typer.Option(help="The head hash a previous run printed")
    ] = None,
    checkpoints: Annotated[
        Path | None,
        typer.Option(help="A log file of the server's: its newest signed checkpoint anchors"),
    ] = None,
) -> None:
    """Check that no entry of the access log was changed or removed since it was written
    (each entry's hash covers its fields and the entry before it). The chain cannot show
    that its newest entries were removed: keep the count and head this prints somewhere
    else, and pass them next time; or pass the server's log file, whose signed checkpoints
    do the same. Exits 1 if the log was changed."""
    if (expect_count is None) != (expect_head is None):
        raise fail("give --expect-count and --expect-head together, as a previous run printed")
    if checkpoints is not None and expect_count is not None:
        raise fail("give either --checkpoints or --expect-count and --expect-head")
    settings = settings_or_exit()
    require_current_schema(settings)
    anchor = None
    if expect_count is not None and expect_head is not None:
        anchor = audit.Anchor(expect_count, expect_head.strip().lower())

    async def check(ctx: Context) -> tuple[audit.Anchor | None, audit.Verified]:
        found = anchor
        if checkpoints is not None:
            try:
                with checkpoints.open(encoding="utf-8", errors="replace") as lines:
                    found = audit.anchor_from_log(ctx, lines)
            except OSError as exc:
                raise fail(f"cannot read {checkpoints}: {exc.strerror}") from None
            if found is None:
                raise fail(f"{checkpoints} holds no signed checkpoint of this access log")
        return found, await audit.verify(ctx, anchor=found)

    anchor, result = run(_with_context(settings, check))
    if result.broken_at is not None:
        raise fail(
            f"the access log is broken at entry {result.broken_at}: it was changed, or an"
            f" entry before it was removed ({result.entries} entries before it check out)",
            1,
        )
    if anchor is not None and result.anchor_lost:
        raise fail(
            f"the access log no longer holds entry {anchor.count} with head {anchor.head}:"
            f" entries were removed or replaced since (it holds {result.entries} now)",
            1,
        )
    last = f", the last written {result.last_at:%Y-%m-%d %H:%M} UTC" if result.last_at else ""
    out.print(f"the access log is intact: {result.entries} entries{last}", highlight=False)
    if anchor is not None:
        out.print(f"it still holds entry {anchor.count} with head {anchor.head}", highlight=False)
    out.print(f"head {result.head}", highlight=False)
    out.print(
        f"next time: keerpunt audit verify --expect-count {result.entries}"
        f" --expect-head {result.head}",
        highlight=False,
        soft_wrap=True,
    )


def write_secret(path: Path, value: str) -> None:
    """Written beside the old file and then put in its place, so a crash leaves either
    the old keys or the new ones, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    draft = path.with_name(f".{path.name}.new")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
        handle.flush()
        os.fsync(handle.fileno())
    draft.chmod(0o600)
    os.replace(draft, path)


@keys_app.command("init")
def keys_init(
    data_dir: Annotated[Path, typer.Option(envvar="KEERPUNT_DATA_DIR", help="Data folder")] = Path(
        "data"
    ),
) -> None:
    """Create the encryption key and the session secret in DATA_DIR/secrets (mode 0600).
    Existing ones are kept: replacing the key would make every stored message unreadable."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = data_dir / "secrets"
    keys = folder / "keerpunt_encryption_keys"
    secret = folder / "keerpunt_session_secret"
    if not keys.exists():
        write_secret(keys, KeyRing.encode_spec({"k1": KeyRing.generate_key()}))
        out.print(f"wrote {keys}")
    if not secret.exists():
        write_secret(secret, new_token())
        out.print(f"wrote {secret}")
    folder.chmod(0o700)


KEYS_FILE = "keerpunt_encryption_keys"
KEYS_ENV = "KEERPUNT_ENCRYPTION_KEYS"


def keys_file() -> Path:
    """The secrets-folder file the keys come from; an error when they come from the
    environment (which wins over the file), since this command cannot change that."""
    if os.environ.get(KEYS_ENV):
        raise fail(
            f"the keys come from {KEYS_ENV}: put a new key first in it ('keerpunt keys new'"
            " prints one), restart the servers, then run 'keerpunt keys rewrap'"
        )
    folder = secrets_dir()
    path = folder / KEYS_FILE if folder is not None else None
    if path is None or not path.is_file():
        raise fail(f"no key file in the secrets folder: run 'keerpunt keys init' or set {KEYS_ENV}")
    return path


def next_key_id(existing: list[str]) -> str:
    numbers = [int(k[1:]) for k in existing if k.startswith("k") and k[1:].isdigit()]
    return f"k{max(numbers, default=0) + 1}"


def progress_bar() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        console=err,
        # Gone when done, so what stays on the screen (and in a log) is the result line.
        transient=True,
    )


def plural(count: int, one: str, more: str | None = None) -> str:
    return f"{count:,} {one}" if count == 1 else f"{count:,} {more or one + 's'}"


def values(count: int) -> str:
    return plural(count, "value")


def reseal(settings: Settings) -> privacy.Resealed:
    async def work(ctx: Context) -> privacy.Resealed:
        total = await privacy_reads.count_sealed(ctx)
        with progress_bar() as progress:
            task = progress.add_task(f"re-sealing under {ctx.keyring.active}", total=total)
            return await privacy.reseal_all(ctx, lambda n: progress.advance(task, n))

    return run(_with_context(settings, work))


def report_resealed(done: privacy.Resealed, active: str) -> None:
    out.print(
        f"{done.resealed:,} of {done.values:,} values re-sealed under {active}"
        + (
            f"; {done.skipped:,} changed meanwhile: run 'keerpunt keys rewrap' again"
            if done.skipped
            else ""
        ),
        highlight=False,
    )


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Add a new encryption key to the secrets folder, make it the one that seals, and
    re-seal every stored value under it. The old keys stay listed until 'keerpunt keys
    retire'. A running server picks the new key up from the file by itself."""
    settings = settings_or_exit()
    require_current_schema(settings)
    path = keys_file()
    keys = settings.keyring_spec()
    new_id = next_key_id(list(keys))
    write_secret(path, KeyRing.encode_spec({new_id: KeyRing.generate_key(), **keys}))
    out.print(
        f"added key {new_id} to {path}; it seals from now on", highlight=False, soft_wrap=True
    )
    settings = settings_or_exit()
    report_resealed(reseal(settings), new_id)
    out.print("when every server has restarted, run 'keerpunt keys retire'", highlight=False)


@keys_app.command("new")
def keys_new() -> None:
    """Print a new key as 'id:base64', to put first in KEERPUNT_ENCRYPTION_KEYS."""
    keys = settings_or_exit().keyring_spec()
    typer.echo(KeyRing.encode_spec({next_key_id(list(keys)): KeyRing.generate_key()}))


@keys_app.command("rewrap")
def keys_rewrap() -> None:
    """Re-seal every stored value under the first (active) key. Values under it already
    are left alone, so an interrupted run is finished by running it again."""
    settings = settings_or_exit()
    require_current_schema(settings)
    report_resealed(reseal(settings), next(iter(settings.keyring_spec())))


def usage(settings: Settings) -> dict[str, int]:
    async def work(ctx: Context) -> dict[str, int]:
        total = await privacy_reads.count_sealed(ctx)
        with progress_bar() as progress:
            task = progress.add_task("reading which key seals what", total=total)
            found = await privacy_reads.key_usage(ctx, lambda n: progress.advance(task, n))
        return dict(found)

    return run(_with_context(settings, work))


@keys_app.command("status")
def keys_status() -> None:
    """Each key with the number of stored values it seals."""
    settings = settings_or_exit()
    require_current_schema(settings)
    keys = settings.keyring_spec()
    found = usage(settings)
    for position, key_id in enumerate(keys):
        role = "seals new values" if position == 0 else "reads only"
        out.print(f"{key_id}  {values(found.pop(key_id, 0))}  ({role})", highlight=False)
    for key_id, count in found.items():
        out.print(f"{key_id}  {values(count)}  (MISSING: these do not open)", highlight=False)


@keys_app.command("retire")
def keys_retire() -> None:
    """Remove from the secrets folder every key that no stored value uses any more.
    Refused while an old key still seals something: run 'keerpunt keys rewrap' first."""
    settings = settings_or_exit()
    require_current_schema(settings)
    keys = settings.keyring_spec()
    found = usage(settings)
    active = next(iter(keys))
    still = {k: n for k, n in found.items() if k != active}
    if still:
        listed = ", ".join(f"{k} ({values(n)})" for k, n in still.items())
        raise fail(f"old keys still seal stored values: {listed}: run 'keerpunt keys rewrap'", 1)
    unused = [k for k in keys if k != active]
    if not unused:
        out.print(f"nothing to retire: {active} is the only key", highlight=False)
        return
    if os.environ.get(KEYS_ENV):
        out.print(
            f"no value uses {', '.join(unused)}: remove them from {KEYS_ENV} and restart",
            highlight=False,
        )
        return
    path = keys_file()
    write_secret(path, KeyRing.encode_spec({active: keys[active]}))
    out.print(f"retired {', '.join(unused)} from {path}", highlight=False)


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be deleted")
    ] = False,
) -> None:
    """Delete the text (messages, registration notes, handover summaries) of conversations
    that ended more than KEERPUNT_RETENTION_DAYS ago, unless an unfinished handover or a
    hold keeps them. The conversation, its registration's categories and the access log
    stay. The server does this daily by itself; this runs it now."""
    settings = settings_or_exit()
    require_current_schema(settings)
    work = privacy_reads.retention_preview if dry_run else privacy.purge_expired
    done = run(_with_context(settings, work))
    verb = "would delete" if dry_run else "deleted"
    out.print(
        f"{verb} the text of {plural(done.conversations, 'conversation')} ended before"
        f" {done.cutoff:%Y-%m-%d %H:%M} UTC: {plural(done.messages, 'message')},"
        f" {plural(done.notes, 'registration note')},"
        f" {plural(done.summaries, 'handover summary', 'handover summaries')}",
        highlight=False,
        soft_wrap=True,
    )
    if not dry_run:
        outreach = run(_with_context(settings, outreach_jobs.purge))
        out.print(
            f"deleted the text of {plural(outreach.posts, 'outreach post')} posted before"
            f" {outreach.cutoff:%Y-%m-%d %H:%M} UTC",
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
) -> None:
    """Keys, schema and a demo counselor in ./data, then serve on 127.0.0.1."""
    keys_init(Path(os.environ.get("KEERPUNT_DATA_DIR", "data")))
    # A demo is tried at any hour; KEERPUNT_ALWAYS_OPEN=false shows the closed page.
    os.environ.setdefault("KEERPUNT_ALWAYS_OPEN", "true")
    settings = settings_or_exit()
    url = settings.resolved_database_url()
    migrate.upgrade(url)
    password = os.environ.get("KEERPUNT_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    secret = os.environ.get("KEERPUNT_DEMO_TOTP_SECRET") or totp.new_secret()

    async def ensure_demo_data() -> None:
        ctx = build_context(settings)
        try:
            await ensure_defaults(ctx)
            await seed_demo(ctx, password, secret)
        finally:
            await ctx.close()

    run(ensure_demo_data())
    base = f"http://127.0.0.1:{port}"
    uri = totp.provisioning_uri("".join(secret.split()).upper(), "demo")
    if sys.stdout.isatty():
        out.print(totp.qr_terminal(uri), highlight=False, markup=False)
    out.print(
        f"\n[bold]Keerpunt demo[/bold]\n"
        f"  Chat page (open it on a phone-sized window): {base}/\n"
        f"  Counselor console: {base}/console\n"
        f"  Admin page: {base}/admin\n"
        f"  Analyst page (campaigns, dashboard, reports): {base}/analyst\n"
        f"  Outreach page (Telegram sources, watchlist, triage): {base}/outreach\n"
        f"  Supervisors' live view (observe, whisper, join, take over): {base}/supervise\n"
        f"  Reviews against the method (this week's sample, quality): {base}/review\n"
        f"  Demo staff (every role): user name [bold]demo[/bold],"
        f" password [bold]{password}[/bold],\n"
        f"  TOTP secret [bold]{secret}[/bold] (scan the QR code above, or add {escape(uri)}\n"
        f"  to an authenticator app; `oathtool --totp -b SECRET` prints a code too)\n"
        f"  Counselors [bold]anna[/bold] and [bold]bram[/bold] (with running chats): the same"
        f" password and the same TOTP secret as demo\n"
        f"  API schema: {base}/api/openapi.json; the protocol: docs/protocol.md\n",
        highlight=False,
        soft_wrap=True,
    )
    serve(host="127.0.0.1", port=port)


def main() -> None:
    app(prog_name="keerpunt")


if __name__ == "__main__":
    main()
