"""Staff accounts, staff sessions and chatter identities: every change goes through here."""

from __future__ import annotations

import logging
import math
import re
import uuid
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, update

from keerpunt.accounts import access, store, totp
from keerpunt.accounts.models import (
    TOTP_AAD,
    Chatter,
    ChatterToken,
    LoginFailure,
    RecoveryCode,
    StaffSession,
    User,
    UserRole,
)
from keerpunt.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from keerpunt.accounts.principals import ROLES, ChatterPrincipal, StaffPrincipal
from keerpunt.context import Context, Tx
from keerpunt.core.errors import Conflict, Invalid, NotFound, TooMany, Unauthorized
from keerpunt.core.text import plain_name
from keerpunt.privacy import audit
from keerpunt.privacy.tokens import new_token, same_secret
from keerpunt.realtime.events import AccessChanged, SessionsEnded, user_channel

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
STAFF_FAILURE_PURPOSE = "staff-login-failure"
CHATTER_FAILURE_PURPOSE = "chatter-login-failure"
RECOVERY_PURPOSE = "recovery-code"
CSRF_PURPOSE = "csrf"
HANDLE_PURPOSE = "session-handle"
# S17: five failed log-ins on one name within 30 minutes, and the sixth is refused.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=30)
# S16: a third log-in ends the oldest session.
MAX_SESSIONS = 2
RECOVERY_CODE_CHARS = 10


async def create_user(
    ctx: Context,
    username: str,
    password: str,
    roles: list[str],
    *,
    display_name: str | None = None,
    max_chats: int = 3,
) -> User:
    """A staff account without a second factor: the first log-in enrols TOTP."""
    username = username.strip()
    if not username or len(username) > 64 or not username.isprintable():
        raise Invalid("a user name is 1 to 64 printable characters")
    if display_name is not None:
        try:
            display_name = plain_name(display_name)
        except ValueError as exc:
            raise Invalid(str(exc), field="display_name") from None
        if len(display_name) > 100:
            raise Invalid("a display name is at most 100 characters", field="display_name")
    check_staff_password(password, username)
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise Invalid(f"roles must be one or more of {', '.join(ROLES)}; got {roles}")
    if not 1 <= max_chats <= 20:
        raise Invalid("max_chats is between 1 and 20")
    password_hash = hash_password(password)  # slow: outside the write transaction
    async with ctx.write() as tx:
        if await store.user_by_username(tx.session, username) is not None:
            raise Conflict(f"user {username!r} exists already", code="user_exists")
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=password_hash,
            is_active=True,
            max_chats=max_chats,
            paused=False,
            created_at=ctx.clock.now(),
            roles=[UserRole(role=r) for r in sorted(set(roles))],
        )
        tx.session.add(user)
    log.info("user created", extra={"user_id": user.id, "roles": ",".join(sorted(set(roles)))})
    return user


def check_staff_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise Invalid(problem, code="weak_password", field="password")


async def set_password(ctx: Context, username: str, password: str) -> None:
    check_staff_password(password, username)
    password_hash = hash_password(password)
    async with ctx.write() as tx:
        user = await store.user_by_username(tx.session, username)
        if user is None:
            raise Invalid(f"no user {username!r}")
        user.password_hash = password_hash


# Log-in, sessions and the second factor --------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    token: str
    user: User
    session_hash: str
    # True: the password was right but the user has no TOTP yet; the session only enrols.
    enrolling: bool = False


class _SecondFactorRefused(Exception):
    """Rolls the log-in transaction back; the failure is then counted on its own."""


def bad_login() -> Unauthorized:
    # One answer for an unknown name, a wrong password, a disabled account and a wrong,
    # used or missing code, so the answer never tells which part was wrong.
    return Unauthorized("invalid user name, password or code", code="bad_credentials")


def failure_key(ctx: Context, name: str, purpose: str) -> str:
    """Failures count per name tried, known or not, without keeping the name."""
    return ctx.hasher.digest(name.strip().casefold(), purpose)


async def begin_attempt(ctx: Context, name_hash: str) -> None:
    """Count this attempt as failed until it succeeds, or refuse it when the name has
    failed too often lately. Counting first means parallel guesses count too."""
    now = ctx.clock.now()
    since = now - FAILURE_WINDOW
    async with ctx.write() as tx:
        times = await store.failures_since(tx.session, name_hash, since)
        if len(times) >= MAX_FAILURES:
            free_at = times[-MAX_FAILURES] + FAILURE_WINDOW
            wait = max(1, math.ceil((free_at - now).total_seconds()))
            raise TooMany(
                "too many failed log-ins with this name; try again later", retry_after=wait
            )
        await tx.session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
        tx.session.add(LoginFailure(name_hash=name_hash, at=now))


async def _forget_failures(tx: Tx, name_hash: str) -> None:
    """A successful log-in wipes the name's failures (the attempt's own row too)."""
    await tx.session.execute(delete(LoginFailure).where(LoginFailure.name_hash == name_hash))


async def _login_failed(ctx: Context, user: User | None) -> None:
    async with ctx.write() as tx:
        actor = StaffPrincipal(user.id, user.username, user.role_names, "") if user else None
        await audit.record(ctx, tx, actor, "auth.login_failed", outcome="denied")


def _totp_aad(user_id: int) -> bytes:
    return TOTP_AAD.format(id=user_id).encode()


def _recovery_hash(ctx: Context, user_id: int, code: str) -> str:
    return ctx.hasher.digest(f"{user_id}:{totp.normalise_code(code)}", RECOVERY_PURPOSE)


def csrf_token(ctx: Context, session_hash: str) -> str:
    """The token a staff page sends with every change: bound to the session, so it
    changes with every log-in and a page of another site cannot know it."""
    return ctx.hasher.digest(session_hash, CSRF_PURPOSE)


def session_handle(ctx: Context, session_hash: str) -> str:
    """What an admin sees of a session to end it: never the id nor its hash."""
    return ctx.hasher.digest(session_hash, HANDLE_PURPOSE)[:32]


async def login(ctx: Context, username: str, password: str, code: str = "") -> LoginResult:
    """A new session per login, so a session id planted before login is worthless. With
    TOTP confirmed, `code` is a current code not used before, or an unused recovery
    code; without, the session only serves enrolment."""
    name_hash = failure_key(ctx, username, STAFF_FAILURE_PURPOSE)
    await begin_attempt(ctx, name_hash)
    async with ctx.read() as session:
        user = await store.user_by_username(session, username)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        await _login_failed(ctx, user)
        raise bad_login()
    rehashed = hash_password(password) if needs_rehash(user.password_hash) else None
    enrolling = user.totp_confirmed_at is None
    token = new_token()
    id_hash = ctx.hasher.digest(token, SESSION_PURPOSE)
    principal = StaffPrincipal(user.id, user.username, user.role_names, id_hash)
    try:
        async with ctx.write() as tx:
            if not enrolling and not await _second_factor(ctx, tx, user, code):
                raise _SecondFactorRefused
            if rehashed is not None:
                await tx.session.execute(
                    update(User).where(User.id == user.id).values(password_hash=rehashed)
                )
            await _start_session(ctx, tx, user.id, id_hash, complete=not enrolling)
            await tx.session.execute(
                delete(LoginFailure).where(LoginFailure.name_hash == name_hash)
            )
            await audit.record(
                ctx, tx, principal, "auth.login", subject="enrolment" if enrolling else None
            )
    except _SecondFactorRefused:
        await _login_failed(ctx, user)
        raise bad_login() from None
    log.info("staff login", extra={"user_id": user.id})
    return LoginResult(token=token, user=user, session_hash=id_hash, enrolling=enrolling)


async def _second_factor(ctx: Context, tx: Tx, user: User, code: str) -> bool:
    """Uses up the code: a TOTP step is marked used in the same statement that checks it
    was not (two processes cannot both accept it), a recovery code is deleted."""
    if user.totp_secret is None:
        return False
    secret = ctx.keyring.open(user.totp_secret, _totp_aad(user.id))
    code = totp.normalise_code(code)
    step = totp.matching_step(secret, code, ctx.clock.now(), user.totp_last_step)
    if step is not None:
        used = await tx.session.execute(
            update(User)
            .where(
                User.id == user.id,
                or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .returning(User.id)
        )
        return used.first() is not None
    if len(code) != RECOVERY_CODE_CHARS:
        return False
    deleted = await tx.session.execute(
        delete(RecoveryCode)
        .where(
            RecoveryCode.code_hash == _recovery_hash(ctx, user.id, code),
            RecoveryCode.user_id == user.id,
        )
        .returning(RecoveryCode.user_id)
    )
    return deleted.first() is not None


async def _start_session(
    ctx: Context, tx: Tx, user_id: int, id_hash: str, *, complete: bool
) -> None:
    """The new session, and the end of those it replaces: beyond the newest complete
    one (at most two per user), every expired one, and an unfinished enrolment."""
    now = ctx.clock.now()
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    kept = 0
    ended: list[str] = []
    for row in await store.user_sessions(tx.session, user_id):
        expired = row.expires_at <= now or row.last_seen_at + idle <= now
        if row.second_factor_at is None or expired:
            ended.append(row.id_hash)
        elif complete:
            kept += 1
            if kept >= MAX_SESSIONS:
                ended.append(row.id_hash)
    await _end_sessions(tx, user_id, ended)
    lifetime = timedelta(hours=ctx.settings.session_absolute_hours) if complete else idle
    tx.session.add(
        StaffSession(
            id_hash=id_hash,
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            second_factor_at=now if complete else None,
        )
    )


async def _end_sessions(tx: Tx, user_id: int, id_hashes: list[str]) -> None:
    """Deletes the sessions; after the commit their sockets hear of it and close."""
    if not id_hashes:
        return
    await tx.session.execute(delete(StaffSession).where(StaffSession.id_hash.in_(id_hashes)))
    tx.publish(user_channel(user_id), SessionsEnded(user=user_id, sessions=id_hashes))


async def logout(ctx: Context, principal: StaffPrincipal) -> None:
    async with ctx.write() as tx:
        await _end_sessions(tx, principal.user_id, [principal.session_hash])
        await audit.record(ctx, tx, principal, "auth.logout")


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr: str


async def begin_enrolment(ctx: Context, principal: StaffPrincipal) -> Enrolment:
    """A new TOTP secret, shown once; asked again, a new one replaces it."""
    secret = totp.new_secret()
    async with ctx.write() as tx:
        user = await store.user_by_id(tx.session, principal.user_id)
        if user is None or user.totp_confirmed_at is not None:
            raise Conflict("this account has a second factor already", code="enrolled")
        user.totp_secret = ctx.keyring.seal(secret, _totp_aad(user.id))
    uri = totp.provisioning_uri(secret, principal.username)
    return Enrolment(secret=secret, uri=uri, qr=totp.qr_data_uri(uri))


@dataclass(frozen=True)
class Enrolled:
    token: str
    session_hash: str
    recovery_codes: list[str]
    user: User


async def confirm_enrolment(ctx: Context, principal: StaffPrincipal, code: str) -> Enrolled:
    """The first code from the app proves it holds the secret: TOTP is on, ten recovery
    codes are issued (shown once), and the session id changes."""
    codes = totp.new_recovery_codes()
    token = new_token()
    id_hash = ctx.hasher.digest(token, SESSION_PURPOSE)
    now = ctx.clock.now()
    async with ctx.write() as tx:
        user = await store.user_by_id(tx.session, principal.user_id)
        if user is None or user.totp_confirmed_at is not None or user.totp_secret is None:
            raise Conflict("start the enrolment first", code="not_enrolling")
        secret = ctx.keyring.open(user.totp_secret, _totp_aad(user.id))
        step = totp.matching_step(secret, totp.normalise_code(code), now, None)
        if step is None:
            raise Invalid(
                "this code is not right: type the 6 digits the app shows now",
                code="bad_code",
                field="code",
            )
        user.totp_confirmed_at = now
        user.totp_last_step = step
        await tx.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        for recovery in codes:
            tx.session.add(
                RecoveryCode(
                    code_hash=_recovery_hash(ctx, user.id, recovery),
                    user_id=user.id,
                    created_at=now,
                )
            )
        await _end_sessions(tx, user.id, [principal.session_hash])
        await _start_session(ctx, tx, user.id, id_hash, complete=True)
        await audit.record(ctx, tx, principal, "auth.totp_enrol")
    return Enrolled(token=token, session_hash=id_hash, recovery_codes=codes, user=user)


async def authenticate_staff(ctx: Context, token: str) -> StaffPrincipal | None:
    """The staff member behind a session cookie, or None when the session is gone,
    expired, or only good for enrolment."""
    id_hash = ctx.hasher.digest(token, SESSION_PURPOSE)
    return await staff_by_session_hash(ctx, id_hash)


async def authenticate_enrolling(ctx: Context, token: str) -> StaffPrincipal | None:
    """The staff member behind a session made to enrol TOTP (and for nothing else)."""
    id_hash = ctx.hasher.digest(token, SESSION_PURPOSE)
    return await staff_by_session_hash(ctx, id_hash, complete=False)


def live_principal(
    ctx: Context, row: StaffSession, user: User | None, *, complete: bool = True
) -> StaffPrincipal | None:
    """The staff member of a session row that still holds: enrolled as asked (or only
    enrolling), not expired, not idle too long, its user active."""
    now = ctx.clock.now()
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    if (row.second_factor_at is not None) != complete:
        return None
    expired = row.expires_at <= now or row.last_seen_at + idle <= now
    if user is None or not user.is_active or expired:
        return None
    return StaffPrincipal(user.id, user.username, user.role_names, row.id_hash)


async def staff_by_session_hash(
    ctx: Context, id_hash: str, *, complete: bool = True, touch: bool = True
) -> StaffPrincipal | None:
    """The session's staff member now. `touch` marks the session used (a request of the
    person); a socket's heartbeat, or one looking at changed roles, checks without it,
    so an open console alone does not keep a session from idling."""
    now = ctx.clock.now()
    async with ctx.read() as session:
        row = await store.staff_session(session, id_hash)
        if row is None:
            return None
        user = await store.user_by_id(session, row.user_id)
        principal = live_principal(ctx, row, user, complete=complete)
        if principal is None:
            return None
        stale = now - row.last_seen_at >= TOUCH_EVERY
    if stale and touch:
        async with ctx.write() as tx:
            await tx.session.execute(
                update(StaffSession).where(StaffSession.id_hash == id_hash).values(last_seen_at=now)
            )
    return principal


async def install_totp(ctx: Context, username: str, secret: str) -> None:
    """TOTP on with a secret chosen elsewhere (the demo's KEERPUNT_DEMO_TOTP_SECRET), with
    no recovery codes: only for an account whose secret is printed where it is made."""
    secret = "".join(secret.split()).upper()
    if len(secret) < 26 or not totp.is_base32(secret):
        raise Invalid("a TOTP secret is at least 26 base32 characters (A-Z, 2-7)")
    async with ctx.write() as tx:
        user = await store.user_by_username(tx.session, username)
        if user is None:
            raise Invalid(f"no user {username!r}")
        user.totp_secret = ctx.keyring.seal(secret, _totp_aad(user.id))
        user.totp_confirmed_at = ctx.clock.now()
        user.totp_last_step = None
        await tx.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# What an admin does to other accounts ----------------------------------------------------


async def end_session(ctx: Context, admin: StaffPrincipal, handle: str) -> None:
    """Ends anyone's session, found by the handle the admin's list shows."""
    access.require(admin, "users.admin")
    async with ctx.write() as tx:
        now = ctx.clock.now()
        idle = timedelta(minutes=ctx.settings.session_idle_minutes)
        for row, user in await store.live_sessions(tx.session, now, idle):
            if same_secret(handle, session_handle(ctx, row.id_hash)):
                await _end_sessions(tx, user.id, [row.id_hash])
                await audit.record(ctx, tx, admin, "auth.session_end", subject=f"user:{user.id}")
                return
    raise NotFound("no such session")


async def set_active(
    ctx: Context, actor: StaffPrincipal | None, user_id: int, active: bool
) -> User:
    """Disabling ends every session of the user at once and closes their sockets.
    `actor` None: the command line."""
    if actor is not None:
        access.require(actor, "users.admin")
        if actor.user_id == user_id and not active:
            raise Conflict("you cannot disable your own account", code="own_account")
    async with ctx.write() as tx:
        user = await store.user_by_id(tx.session, user_id)
        if user is None:
            raise NotFound("no such user")
        user.is_active = active
        if not active:
            sessions = await store.user_sessions(tx.session, user.id)
            await _end_sessions(tx, user.id, [row.id_hash for row in sessions])
        action = "user.enable" if active else "user.disable"
        await audit.record(ctx, tx, actor, action, subject=f"user:{user.id}")
    log.info("user %s", "enabled" if active else "disabled", extra={"user_id": user_id})
    return user


async def reset_totp(ctx: Context, actor: StaffPrincipal | None, user_id: int) -> User:
    """A lost phone: the second factor and the recovery codes go, every session ends, and
    the next log-in enrols again."""
    if actor is not None:
        access.require(actor, "users.admin")
    async with ctx.write() as tx:
        user = await store.user_by_id(tx.session, user_id)
        if user is None:
            raise NotFound("no such user")
        user.totp_secret = None
        user.totp_confirmed_at = None
        user.totp_last_step = None
        await tx.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        sessions = await store.user_sessions(tx.session, user.id)
        await _end_sessions(tx, user.id, [row.id_hash for row in sessions])
        await audit.record(ctx, tx, actor, "user.totp_reset", subject=f"user:{user.id}")
    return user


async def set_paused(ctx: Context, principal: StaffPrincipal, paused: bool) -> User:
    async with ctx.write() as tx:
        user = await store.user_by_id(tx.session, principal.user_id)
        assert user is not None
        if user.paused and not paused:
            user.resumed_at = ctx.clock.now()
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
    answer alike, and take as long; five failures on a name in 30 minutes, and the name
    waits (S17, as for staff)."""
    name = username.strip().lower()
    name_hash = failure_key(ctx, name, CHATTER_FAILURE_PURPOSE)
    await begin_attempt(ctx, name_hash)
    async with ctx.read() as session:
        row = await store.chatter_by_username(session, name)
    if not verify_password(row.password_hash if row else None, password) or row is None:
        raise Unauthorized("invalid user name or password", code="bad_credentials")
    token = new_token()
    now = ctx.clock.now()
    async with ctx.write() as tx:
        await _forget_failures(tx, name_hash)
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
