"""Staff log-in and the counselor's own settings."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from keerpunt.accounts import actions, reads, store
from keerpunt.accounts.models import User
from keerpunt.accounts.schemas import (
    ChatterAccountIn,
    ChatterAccountRead,
    ChatterMe,
    LoginIn,
    PasswordIn,
    PauseIn,
    RolesIn,
    UserRead,
)
from keerpunt.core.errors import NotFound
from keerpunt.deps import (
    Chatter,
    CtxDep,
    IdPath,
    OptionalChatter,
    Staff,
    bearer_token,
    session_cookie_name,
)
from keerpunt.privacy import actions as erasure

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=sorted(user.role_names),
        max_chats=user.max_chats,
        paused=user.paused,
    )


@router.post("/auth/login", summary="Log in as staff; sets the session cookie")
async def login(body: LoginIn, response: Response, ctx: CtxDep) -> UserRead:
    result = await actions.login(ctx, body.username, body.password)
    response.set_cookie(
        session_cookie_name(ctx),
        result.token,
        max_age=ctx.settings.session_absolute_hours * 3600,
        path="/",
        secure=ctx.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return user_read(result.user)


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


@router.get("/me", summary="The logged-in staff member")
async def me(staff: Staff, ctx: CtxDep) -> UserRead:
    async with ctx.read() as session:
        user = await store.user_by_id(session, staff.user_id)
    if user is None:
        raise NotFound("no such user")
    return user_read(user)


@router.post("/me/pause", summary="Pause or resume taking new chats")
async def pause(body: PauseIn, staff: Staff, ctx: CtxDep) -> UserRead:
    return user_read(await actions.set_paused(ctx, staff, body.paused))


@router.get("/users", summary="Every staff member with their roles (admin)")
async def users(staff: Staff, ctx: CtxDep) -> list[UserRead]:
    async with ctx.read() as session:
        return [user_read(user) for user in await reads.users(session, staff)]


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
