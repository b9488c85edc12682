"""The declarative base, with constraint names that migrations can refer to."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def import_models() -> None:
    """Import every domain's models so the metadata is complete (migrations, tests)."""
    import keerpunt.abuse.models
    import keerpunt.accounts.models
    import keerpunt.campaigns.models
    import keerpunt.canned.models
    import keerpunt.chat.models
    import keerpunt.cluster.models
    import keerpunt.handover.models
    import keerpunt.hours.models
    import keerpunt.outreach.models
    import keerpunt.privacy.models
    import keerpunt.realtime.models
    import keerpunt.registration.models
    import keerpunt.reports.models
    import keerpunt.review.models
    import keerpunt.supervision.models  # noqa: F401
