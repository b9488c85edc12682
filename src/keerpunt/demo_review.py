"""The demo's reviews: this week's sample drawn, one review finished and one left as a
draft, so the review page shows all three states. Needs ended chats by counselors (the
demo's shift seeds them) and a supervisor; without either it does nothing."""

from __future__ import annotations

import logging

from keerpunt.accounts import store as accounts_store
from keerpunt.accounts.principals import StaffPrincipal
from keerpunt.context import Context
from keerpunt.review import actions, reads, store
from keerpunt.review.method import method
from keerpunt.review.schemas import ReviewWrite, SearchQuery

log = logging.getLogger(__name__)

# A finished review that reads like a real one: most items done, safety partly.
DONE_ANSWERS = {
    "listened": "done",
    "safety": "partly",
    "informed": "done",
    "further_help": "done",
    "social_environment": "not_done",
    "warm_handover": "not_applicable",
}
DONE_COMMENT = (
    "Goed doorgevraagd en duidelijk uitgelegd wat anoniem blijft. Vraag de volgende keer"
    " ook naar de veiligheid van broertjes en zusjes."
)


async def _supervisor(ctx: Context) -> StaffPrincipal | None:
    async with ctx.read() as session:
        for user in await accounts_store.users(session):
            if user.is_active and "supervisor" in user.role_names:
                return StaffPrincipal(user.id, user.username, user.role_names, "demo")
    return None


async def seed_reviews(ctx: Context) -> None:
    supervisor = await _supervisor(ctx)
    if supervisor is None:
        log.info("demo reviews skipped: no supervisor")
        return
    await actions.draw_sample(ctx, actions.current_week(ctx))
    async with ctx.read() as session:
        if await store.any_review(session):
            return  # seeded before: a second demo run leaves the reviews as they are
    todo = await reads.to_review(ctx, supervisor)
    waiting = [c.conversation for c in todo.sample if c.review is None]
    if len(waiting) < 2:
        # A small sample: the draft goes on another ended chat, as found by a search.
        found = await actions.search_ended(ctx, supervisor, SearchQuery())
        waiting += [c.id for c in found.conversations if c.id not in waiting]
    codes = method().codes
    if waiting:
        done = ReviewWrite(
            answers={code: DONE_ANSWERS.get(code, "done") for code in codes},
            score=4,
            comment=DONE_COMMENT,
            finish=True,
        )
        await actions.open_for_review(ctx, supervisor, waiting[0])
        await actions.save_review(ctx, supervisor, waiting[0], done)
    if len(waiting) > 1:
        draft = ReviewWrite(answers={"listened": "done", "safety": "done"}, score=None)
        await actions.open_for_review(ctx, supervisor, waiting[1])
        await actions.save_review(ctx, supervisor, waiting[1], draft)
