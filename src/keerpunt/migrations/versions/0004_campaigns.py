"""Campaigns, tracking links, daily traffic counts and partner releases.

- campaigns and campaign_channels: a channel's code makes its tracking link /c/<code>.
- traffic_days: distinct visitors per local day, channel (0: no campaign link) and
  measure (visit, click); counts only.
- partner_releases: what each partner edition of a report showed, to keep overlapping
  editions from being subtracted.
- conversations: channel_id (the campaign link the chat came through) replaces the
  free-form ref, which no campaign could be found for; chatter_wrote is set with
  last_seq, backfilled here from the messages.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "traffic_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel_id", "measure", name=op.f("pk_traffic_days")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("target_group", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_campaigns_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "partner_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["made_by"], ["users.id"], name=op.f("fk_partner_releases_made_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_releases")),
    )
    with op.batch_alter_table("partner_releases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_releases_scope"), ["scope"], unique=False)

    op.create_table(
        "campaign_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_channels_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_channels")),
        sa.UniqueConstraint("code", name=op.f("uq_campaign_channels_code")),
    )
    with op.batch_alter_table("campaign_channels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_channels_campaign_id"), ["campaign_id"], unique=False
        )

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("chatter_wrote", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index("ix_conversations_created_at", ["created_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_conversations_channel_id_campaign_channels"),
            "campaign_channels",
            ["channel_id"],
            ["id"],
        )
        batch_op.drop_column("ref")

    op.execute(
        "UPDATE conversations SET chatter_wrote = EXISTS (SELECT 1 FROM messages"
        " WHERE messages.conversation_id = conversations.id AND messages.sender = 'chatter')"
    )


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref", sa.VARCHAR(length=64), nullable=True))
        batch_op.drop_constraint(
            batch_op.f("fk_conversations_channel_id_campaign_channels"), type_="foreignkey"
        )
        batch_op.drop_index("ix_conversations_created_at")
        batch_op.drop_column("chatter_wrote")
        batch_op.drop_column("channel_id")

    with op.batch_alter_table("campaign_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_channels_campaign_id"))

    op.drop_table("campaign_channels")
    with op.batch_alter_table("partner_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_releases_scope"))

    op.drop_table("partner_releases")
    op.drop_table("campaigns")
    op.drop_table("traffic_days")
