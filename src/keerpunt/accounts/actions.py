"""Staff accounts, staff sessions and chatter identities: every change goes through here."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update

from keerpunt.accounts import access, store
from keerpunt.accounts.models import Chatter, ChatterToken, StaffSession, User, UserRole
from keerpunt.accounts.passwords import (
    MIN_PASSWORD_CHARS,
    hash_password,
    needs_rehash,
    verify_password,
)
from keerpunt.accounts.principals import ROLES, ChatterPrincipal, StaffPrincipal
from keerpunt.context import Context, Tx
from keerpunt.core.errors import Conflict, Invalid, NotFound, Unauthorized
from keerpunt.privacy import audit
from keerpunt.privacy.tokens import new_token
from keerpunt.realtime.events import AccessChanged, user_channel

log = logging.getLogger(__name__)

SESSION_PURPOSE = "staff-session"
CHATTER_PURPOSE = "chatter"
CHATTER_LOGIN_PURPOSE = "chatter-login"
# A log-in token lives in one tab (sessionStorage); this bounds a tab left open for days.
CHATTER_LOGIN_LIFETIME = timedelta(hours=12)
CHATTER_USERNAME = re.compile(r"^[a-z0-9._-]{3,32}$")
MIN_CHATTER_PASSWORD_CHARS = 8
# Writing last_seen_at on every request would turn every read into a write.
TOUCH_EVERY = timedelta(seconds=60)


async def create_user(
    ctx: Context,
    username: str,
    password: str,
    roles: list[str],
    *,
    display_name: str | None = None,
    max_chats: int = 3,
) -> User:
    username = username.strip()
    if not username or len(username) > 64 or not username.isprintable():
        raise Invalid("a user name is 1 to 64 printable characters")
    if len(password) < MIN_PASSWORD_CHARS:
        raise Invalid(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise Invalid(f"roles must be one or more of {', '.join(ROLES)}; got {roles}")
    if not 1 <= max_chats <= 20:
        raise Invalid("max_chats is between 1 and 20")
    async with ctx.write() as tx:
        if await store.user_by_username(tx.session, username) is not None:
            raise Conflict(f"user {username!r} exists already", code="user_exists")
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
            is_active=True,
            max_chats=max_chats,
            paused=False,
            created_at=ctx.clock.now(),
            roles=[UserRole(role=r) for r in sorted(set(roles))],
        )
        tx.session.add(user)
    log.info("user created", extra={"user_id": user.id, "roles": ",".join(sorted(set(roles)))})
    return user


async def set_password(ctx: Context, username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise Invalid(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    async with ctx.write() as tx:
        user = await store.user_by_username(tx.session, username)
        if user is None:
            raise Invalid(f"no user {username!r}")
        user.password_hash = hash_password(password)


@dataclass(frozen=True)
class LoginResult:
    token: str
    user: User


async def login(ctx: Context, username: str, password: str) -> LoginResult:
    """A new session per login, so a session id planted before login is worthless."""
    async with ctx.write() as tx:
        user = await store.user_by_username(tx.session, username)
        valid = verify_password(user.password_hash if user else None, password)
        if user is None or not valid or not user.is_active:
            raise Unauthorized("invalid user name or password", code="bad_credentials")
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        now = ctx.clock.now()
        token = new_token()
        tx.session.add(
            StaffSession(
                id_hash=ctx.hasher.digest(token, SESSION_PURPOSE),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=ctx.settings.session_absolute_hours),
            )
        )
    log.info("staff login", extra={"user_id": user.id})
    return LoginResult(token=token, user=user)


async def logout(ctx: Context, principal: StaffPrincipal) -> None:
    async with ctx.write() as tx:
        await tx.session.execute(
            delete(StaffSession).where(StaffSession.id_hash == principal.session_hash)
        )


async def authenticate_staff(ctx: Context, token: str) -> StaffPrincipal | None:
    """The staff member behind a session cookie, or None when the session is gone or expired."""
    id_hash = ctx.hasher.digest(token, SESSION_PURPOSE)
    return await staff_by_session_hash(ctx, id_hash)


async def staff_by_session_hash(
    ctx: Context, id_hash: str, *, touch: bool = True
) -> StaffPrincipal | None:
    """The session's staff member now; `touch` counts this as activity (a request does,
    a socket looking at changed roles does not)."""
    now = ctx.clock.now()
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    async with ctx.read() as session:
        row = await store.staff_session(session, id_hash)
        if row is None:
            return None
        user = await store.user_by_id(session, row.user_id)
        expired = row.expires_at <= now or row.last_seen_at + idle <= now
        if user is None or not user.is_active or expired:
            return None
        principal = StaffPrincipal(user.id, user.username, user.role_names, id_hash)
        stale = now - row.last_seen_at >= TOUCH_EVERY
    if stale and touch:
        async with ctx.write() as tx:
            await tx.session.execute(
                update(StaffSession).where(StaffSession.id_hash == id_hash).values(last_seen_at=now)
            )
    return principal


async def set_paused(ctx: Context, principal: StaffPrincipal, paused: bool) -> User:
    async with ctx.write() as tx:
        user = await store.user_by_id(tx.session, principal.user_id)
        assert user is not None
        user.paused = paused
    return user


async def new_chatter(tx: Tx, ctx: Context) -> tuple[ChatterPrincipal, str]:
    """A fresh anonymous identity inside the caller's transaction; the token is shown once."""
    token = new_token()
    chatter = Chatter(
        id=str(uuid.uuid4()),
        token_hash=ctx.hasher.digest(token, CHATTER_PURPOSE),
        created_at=ctx.clock.now(),
    )
    tx.session.add(chatter)
    return ChatterPrincipal(chatter.id), token


async def authenticate_chatter(ctx: Context, token: str) -> ChatterPrincipal | None:
    """The chatter behind a token: the one made with a new chat, or one issued at an
    account log-in (while it has not expired)."""
    async with ctx.read() as session:
        chatter = await store.chatter_by_token_hash(
            session, ctx.hasher.digest(token, CHATTER_PURPOSE)
        )
        if chatter is not None:
            return ChatterPrincipal(chatter.id)
        login = await store.chatter_token(session, ctx.hasher.digest(token, CHATTER_LOGIN_PURPOSE))
    if login is None or login.expires_at <= ctx.clock.now():
        return None
    return ChatterPrincipal(login.chatter_id)


def chatter_username(username: str) -> str:
    """User names compare without case, so "Sam" and "sam" are one account."""
    name = username.strip().lower()
    if not CHATTER_USERNAME.match(name):
        raise Invalid(
            "a user name is 3 to 32 letters, digits, dots, dashes or underscores",
            code="bad_username",
            field="username",
        )
    return name


def check_chatter_password(password: str) -> None:
    if len(password) < MIN_CHATTER_PASSWORD_CHARS:
        raise Invalid(
            f"a password has at least {MIN_CHATTER_PASSWORD_CHARS} characters",
            code="weak_password",
            field="password",
        )


@dataclass(frozen=True)
class ChatterAccount:
    chatter: ChatterPrincipal
    username: str
    token: str | None  # a new token to use from now on; None: keep the one sent


async def create_chatter_account(
    ctx: Context, chatter: ChatterPrincipal | None, username: str, password: str
) -> ChatterAccount:
    """A user name and a password, nothing else. With a chatter, the account binds that
    chatter, so the chats so far are theirs to see again; without, a new chatter."""
    name = chatter_username(username)
    check_chatter_password(password)
    password_hash = hash_password(password)  # slow: outside the write transaction
    async with ctx.write() as tx:
        if await store.chatter_by_username(tx.session, name) is not None:
            raise Conflict(
                "this user name is taken; choose another", code="username_taken", field="username"
            )
        token = None
        if chatter is None:
            chatter, token = await new_chatter(tx, ctx)
            await tx.session.flush()
        row = await tx.session.get(Chatter, chatter.chatter_id)
        assert row is not None
        if row.username is not None:
            raise Conflict("this chatter has an account already", code="has_account")
        row.username = name
        row.password_hash = password_hash
        row.account_created_at = ctx.clock.now()
    log.info("chatter account created", extra={"chatter": chatter.chatter_id})
    return ChatterAccount(chatter, name, token)


async def login_chatter(ctx: Context, username: str, password: str) -> ChatterAccount:
    """A new token for the chatter with this account. An unknown name and a wrong password
    answer alike, and take as long."""
    name = username.strip().lower()
    async with ctx.read() as session:
        row = await store.chatter_by_username(session, name)
    if not verify_password(row.password_hash if row else None, password) or row is None:
        raise Unauthorized("invalid user name or password", code="bad_credentials")
    token = new_token()
    now = ctx.clock.now()
    async with ctx.write() as tx:
        await tx.session.execute(
            delete(ChatterToken).where(
                ChatterToken.chatter_id == row.id, ChatterToken.expires_at <= now
            )
        )
        tx.session.add(
            ChatterToken(
                token_hash=ctx.hasher.digest(token, CHATTER_LOGIN_PURPOSE),
                chatter_id=row.id,
                created_at=now,
                expires_at=now + CHATTER_LOGIN_LIFETIME,
            )
        )
    return ChatterAccount(ChatterPrincipal(row.id), name, token)


async def logout_chatter(ctx: Context, token: str) -> None:
    """The token stops working. A chat's own token cannot be deleted (it names the
    chatter), so it is replaced by the hash of a token nobody holds."""
    async with ctx.write() as tx:
        await tx.session.execute(
            delete(ChatterToken).where(
                ChatterToken.token_hash == ctx.hasher.digest(token, CHATTER_LOGIN_PURPOSE)
            )
        )
        await tx.session.execute(
            update(Chatter)
            .where(Chatter.token_hash == ctx.hasher.digest(token, CHATTER_PURPOSE))
            .values(token_hash=ctx.hasher.digest(new_token(), CHATTER_PURPOSE))
        )


async def grant_roles(ctx: Context, username: str, roles: list[str]) -> User:
    """Add roles to a staff account (the demo's user gains the roles a release adds)."""
    return await change_roles(ctx, None, username, grant=roles)


async def change_roles(
    ctx: Context,
    actor: StaffPrincipal | None,
    username: str,
    *,
    grant: Iterable[str] = (),
    revoke: Iterable[str] = (),
) -> User:
    """Grant and take away roles; `actor` is None for the command line."""
    async with ctx.write() as tx:
        user = await store.user_by_username(tx.session, username)
        if user is None:
            raise Invalid(f"no user {username!r}")
        await _set_roles(ctx, tx, actor, user, (user.role_names | set(grant)) - set(revoke))
    return user


async def set_roles(
    ctx: Context, admin: StaffPrincipal, user_id: int, roles: Iterable[str]
) -> User:
    """An administrator gives a staff member exactly these roles."""
    access.require(admin, "users.admin")
    async with ctx.write() as tx:
        user = await store.user_by_id(tx.session, user_id)
        if user is None:
            raise NotFound("no such user")
        await _set_roles(ctx, tx, admin, user, set(roles))
    return user


async def _set_roles(
    ctx: Context, tx: Tx, actor: StaffPrincipal | None, user: User, roles: Set[str]
) -> None:
    """The roles change in this transaction; after the commit the member's open sockets
    hear of it and follow the access table at once, so a conversation the new roles do
    not allow stops streaming."""
    unknown = sorted(roles - set(ROLES))
    if unknown:
        raise Invalid(f"roles must be of {', '.join(ROLES)}; got {unknown}", field="roles")
    if not roles:
        raise Invalid("a staff member keeps at least one role", field="roles")
    for role in sorted(roles - user.role_names):
        user.roles.append(UserRole(role=role))
    user.roles = [r for r in user.roles if r.role in roles]
    await audit.record(
        ctx, tx, actor, "roles_changed", subject=f"user:{user.id}", purpose=",".join(sorted(roles))
    )
    tx.publish(user_channel(user.id), AccessChanged(user=user.id))
    log.info("roles changed", extra={"user_id": user.id, "roles": ",".join(sorted(roles))})
