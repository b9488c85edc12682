"""keerpunt serve | demo | db | user | keys"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from rich.console import Console

from keerpunt.accounts import actions as accounts
from keerpunt.accounts import store as accounts_store
from keerpunt.bootstrap import ensure_defaults
from keerpunt.config import ConfigError, Settings, load_settings
from keerpunt.context import build_context
from keerpunt.core.errors import DomainError
from keerpunt.core.logging import configure_logging
from keerpunt.db import migrate
from keerpunt.db.engine import sqlite_path
from keerpunt.organisation import load_organisation
from keerpunt.privacy.crypto import KeyRing
from keerpunt.privacy.tokens import new_token
from keerpunt.server import uvicorn_config

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Keerpunt help chat")
db_app = typer.Typer(no_args_is_help=True, help="Database schema")
user_app = typer.Typer(no_args_is_help=True, help="Staff accounts")
keys_app = typer.Typer(no_args_is_help=True, help="Encryption keys and secrets")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(keys_app, name="keys")

out = Console()
err = Console(stderr=True)
T = TypeVar("T")


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
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
    configure_logging()
    config = uvicorn_config(
        create_app(settings), host=host or settings.host, port=port or settings.port
    )
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
    role: Annotated[list[str], typer.Option(help="counselor, supervisor or admin; repeatable")],
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
    out.print(f"created {username} ({', '.join(role)})")


def write_secret(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    path.chmod(0o600)


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

    async def ensure_demo_user() -> None:
        ctx = build_context(settings)
        try:
            async with ctx.read() as session:
                exists = await accounts_store.user_by_username(session, "demo") is not None
            if exists:
                await accounts.set_password(ctx, "demo", password)
            else:
                await accounts.create_user(
                    ctx, "demo", password, ["counselor", "supervisor"], display_name="Demo"
                )
        finally:
            await ctx.close()

    run(ensure_demo_user())
    base = f"http://127.0.0.1:{port}"
    out.print(
        f"\n[bold]Keerpunt demo[/bold]\n"
        f"  Chat page (open it on a phone-sized window): {base}/\n"
        f"  Counselor console: {base}/console\n"
        f"  Demo counselor: user name [bold]demo[/bold], password [bold]{password}[/bold]\n"
        f"  API schema: {base}/api/openapi.json; the protocol: docs/protocol.md\n",
        highlight=False,
    )
    serve(host="127.0.0.1", port=port)


def main() -> None:
    app(prog_name="keerpunt")


if __name__ == "__main__":
    main()
