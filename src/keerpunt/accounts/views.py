"""Staff log-in and the counselor's own settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from keerpunt.accounts import actions, reads, store
from keerpunt.accounts.models import User
from keerpunt.accounts.reads import user_read
from keerpunt.accounts.schemas import (
    ChatterAccountIn,
    ChatterAccountRead,
    ChatterMe,
    ConfirmIn,
    EnrolledRead,
    EnrolmentRead,
    LoginIn,
    PasswordIn,
    PauseIn,
    RolesIn,
    SessionUserRead,
    StaffSessionRead,
    StaffUserRead,
    UserRead,
)
from keerpunt.chat import assignment_actions
from keerpunt.context import Context
from keerpunt.core.errors import NotFound
from keerpunt.deps import (
    Chatter,
    CtxDep,
    Enrolling,
    IdPath,
    OptionalChatter,
    Staff,
    bearer_token,
    check_same_site,
    session_cookie_name,
)
from keerpunt.privacy import actions as erasure

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def session_user(ctx: Context, user: User, session_hash: str, enrolling: bool) -> SessionUserRead:
    return SessionUserRead(
        **user_read(user).model_dump(),
        csrf_token=actions.csrf_token(ctx, session_hash),
        enrolling=enrolling,
    )


def set_session_cookie(response: Response, ctx: Context, token: str) -> None:
    response.set_cookie(
        session_cookie_name(ctx),
        token,
        max_age=ctx.settings.session_absolute_hours * 3600,
        path="/",
        secure=ctx.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )


@router.post(
    "/auth/login",
    summary="Log in as staff with a TOTP or recovery code; sets a new session cookie",
)
async def login(
    body: LoginIn, request: Request, response: Response, ctx: CtxDep
) -> SessionUserRead:
    check_same_site(request, ctx)
    result = await actions.login(ctx, body.username, body.password, body.totp)
    set_session_cookie(response, ctx, result.token)
    return session_user(ctx, result.user, result.session_hash, result.enrolling)


@router.post("/auth/totp/begin", summary="Start TOTP enrolment: a new secret, shown once")
async def totp_begin(staff: Enrolling, ctx: CtxDep) -> EnrolmentRead:
    enrolment = await actions.begin_enrolment(ctx, staff)
    return EnrolmentRead(secret=enrolment.secret, uri=enrolment.uri, qr=enrolment.qr)


@router.post(
    "/auth/totp/confirm",
    summary="Finish TOTP enrolment with a first code; answers ten recovery codes, once",
)
async def totp_confirm(
    body: ConfirmIn, staff: Enrolling, response: Response, ctx: CtxDep
) -> EnrolledRead:
    done = await actions.confirm_enrolment(ctx, staff, body.code)
    set_session_cookie(response, ctx, done.token)
    return EnrolledRead(
        **session_user(ctx, done.user, done.session_hash, False).model_dump(),
        recovery_codes=done.recovery_codes,
    )


@router.post("/auth/logout", status_code=204, summary="End this staff session")
async def logout(staff: Staff, response: Response, ctx: CtxDep) -> None:
    await actions.logout(ctx, staff)
    response.delete_cookie(
        session_cookie_name(ctx),
        path="/",
        secure=ctx.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )


@router.get("/me", summary="The logged-in staff member, with the session's CSRF token")
async def me(staff: Staff, ctx: CtxDep) -> SessionUserRead:
    async with ctx.read() as session:
        user = await store.user_by_id(session, staff.user_id)
    if user is None:
        raise NotFound("no such user")
    return session_user(ctx, user, staff.session_hash, False)


@router.get("/users", summary="Every staff account (admin)")
async def users(staff: Staff, ctx: CtxDep) -> list[StaffUserRead]:
    return await reads.staff_users(ctx, staff)


@router.post("/users/{user_id}/disable", summary="Disable an account; its sessions end (admin)")
async def disable_user(user_id: IdPath, staff: Staff, ctx: CtxDep) -> UserRead:
    return user_read(await actions.set_active(ctx, staff, user_id, False))


@router.post("/users/{user_id}/enable", summary="Enable a disabled account again (admin)")
async def enable_user(user_id: IdPath, staff: Staff, ctx: CtxDep) -> UserRead:
    return user_read(await actions.set_active(ctx, staff, user_id, True))


@router.post(
    "/users/{user_id}/totp-reset",
    summary="Remove an account's TOTP and recovery codes: it enrols again (admin)",
)
async def reset_totp(user_id: IdPath, staff: Staff, ctx: CtxDep) -> UserRead:
    return user_read(await actions.reset_totp(ctx, staff, user_id))


@router.get("/sessions", summary="Every live staff session (admin)")
async def sessions(staff: Staff, ctx: CtxDep) -> list[StaffSessionRead]:
    return await reads.staff_sessions(ctx, staff)


@router.delete("/sessions/{handle}", status_code=204, summary="End a staff session (admin)")
async def end_session(
    handle: Annotated[str, Path(min_length=1, max_length=64)], staff: Staff, ctx: CtxDep
) -> None:
    await actions.end_session(ctx, staff, handle)


@router.post("/me/pause", summary="Pause or resume taking new chats")
async def pause(body: PauseIn, staff: Staff, ctx: CtxDep) -> UserRead:
    user = await actions.set_paused(ctx, staff, body.paused)
    # Automatic assignment: a pause withdraws this counselor's offer, a resume may bring one.
    await assignment_actions.nudge(ctx)
    return user_read(user)


@router.put("/users/{user_id}/roles", summary="Give a staff member exactly these roles (admin)")
async def set_roles(user_id: IdPath, body: RolesIn, staff: Staff, ctx: CtxDep) -> UserRead:
    return user_read(await actions.set_roles(ctx, staff, user_id, body.roles))


@router.post(
    "/chatter/account",
    status_code=201,
    summary="Create a chatter account (a user name and a password, nothing else)",
)
async def create_chatter_account(
    body: ChatterAccountIn, request: Request, ctx: CtxDep, chatter: OptionalChatter
) -> ChatterAccountRead:
    account = await actions.create_chatter_account(ctx, chatter, body.username, body.password)
    token = account.token or bearer_token(request) or ""
    return ChatterAccountRead(token=token, username=account.username)


@router.post("/chatter/login", summary="Log in to a chatter account; answers a new token")
async def chatter_login(body: ChatterAccountIn, ctx: CtxDep) -> ChatterAccountRead:
    account = await actions.login_chatter(ctx, body.username, body.password)
    assert account.token is not None
    return ChatterAccountRead(token=account.token, username=account.username)


@router.post("/chatter/logout", status_code=204, summary="This chatter token stops working")
async def chatter_logout(chatter: Chatter, request: Request, ctx: CtxDep) -> None:
    token = bearer_token(request)
    assert token is not None  # the Chatter dependency required one
    await actions.logout_chatter(ctx, token)


@router.get("/chatter/me", summary="The chatter's account name and own conversations")
async def chatter_me(chatter: Chatter, ctx: CtxDep) -> ChatterMe:
    return await reads.chatter_me(ctx, chatter)


@router.post(
    "/chatter/account/delete",
    status_code=204,
    summary="Delete the account and everything of this chatter",
)
async def delete_chatter_account(body: PasswordIn, chatter: Chatter, ctx: CtxDep) -> None:
    await erasure.delete_chatter_account(ctx, chatter, body.password)
