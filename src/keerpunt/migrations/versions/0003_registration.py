"""Registration, returning chatters, duplicates, warm handover, canned replies, audit log.

- taxonomy_versions: every loaded taxonomy file, verbatim; registrations name theirs.
- registrations: the counselor's form per conversation, notes encrypted (version, key id,
  nonce, AES-256-GCM ciphertext), and the facts the system derived.
- chatters gain an optional account (user name, argon2id hash) and merged_into;
  chatter_tokens hold the keyed hashes of tokens issued at an account log-in.
- chatter_merges: duplicates marked by counselors, undone by supervisors.
- contact_persons and handovers (summary encrypted); canned_responses.
- audit_entries: append-only, hash-chained access log.
- conversations gain the chat page's locale.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("title_nl", sa.String(length=100), nullable=False),
        sa.Column("title_en", sa.String(length=100), nullable=False),
        sa.Column("body_nl", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_responses")),
        sa.UniqueConstraint("key", name=op.f("uq_canned_responses_key")),
    )
    op.create_table(
        "contact_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("reach", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_persons")),
    )
    with op.batch_alter_table("contact_persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_persons_region"), ["region"], unique=False)

    op.create_table(
        "audit_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_entries_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_entries_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "chatter_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("chatter_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chatter_id"], ["chatters.id"], name=op.f("fk_chatter_tokens_chatter_id_chatters")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_chatter_tokens")),
    )
    with op.batch_alter_table("chatter_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chatter_tokens_chatter_id"), ["chatter_id"], unique=False
        )

    op.create_table(
        "taxonomy_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["loaded_by"], ["users.id"], name=op.f("fk_taxonomy_versions_loaded_by_users")
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_taxonomy_versions")),
    )
    op.create_table(
        "chatter_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("duplicate_of", sa.String(length=36), nullable=False),
        sa.Column("source_chatter", sa.String(length=36), nullable=False),
        sa.Column("target_chatter", sa.String(length=36), nullable=False),
        sa.Column("by_user", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_user"], ["users.id"], name=op.f("fk_chatter_merges_by_user_users")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_chatter_merges_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["conversations.id"],
            name=op.f("fk_chatter_merges_duplicate_of_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["source_chatter"],
            ["chatters.id"],
            name=op.f("fk_chatter_merges_source_chatter_chatters"),
        ),
        sa.ForeignKeyConstraint(
            ["target_chatter"],
            ["chatters.id"],
            name=op.f("fk_chatter_merges_target_chatter_chatters"),
        ),
        sa.ForeignKeyConstraint(
            ["undone_by"], ["users.id"], name=op.f("fk_chatter_merges_undone_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatter_merges")),
    )
    with op.batch_alter_table("chatter_merges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chatter_merges_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_chatter_merges_source_chatter"), ["source_chatter"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_chatter_merges_target_chatter"), ["target_chatter"], unique=False
        )

    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("counselor_id", sa.Integer(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("share", sa.JSON(), nullable=False),
        sa.Column("summary", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact_persons.id"],
            name=op.f("fk_handovers_contact_id_contact_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_handovers_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["counselor_id"], ["users.id"], name=op.f("fk_handovers_counselor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["status_by"], ["users.id"], name=op.f("fk_handovers_status_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handovers_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_handovers_region"), ["region"], unique=False)

    op.create_table(
        "registrations",
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("taxonomy_version", sa.Integer(), nullable=False),
        sa.Column("counselor_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("visitor", sa.String(length=40), nullable=True),
        sa.Column("age_band", sa.String(length=40), nullable=True),
        sa.Column("region", sa.String(length=40), nullable=True),
        sa.Column("crime_involvement", sa.String(length=40), nullable=True),
        sa.Column("crime_forms", sa.JSON(), nullable=False),
        sa.Column("other_problems", sa.JSON(), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("help_questions", sa.JSON(), nullable=False),
        sa.Column("help_offered", sa.JSON(), nullable=False),
        sa.Column("safety", sa.JSON(), nullable=False),
        sa.Column("notes", sa.LargeBinary(), nullable=True),
        sa.Column("duplicate_of", sa.String(length=36), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("campaign_ref", sa.String(length=64), nullable=True),
        sa.Column("has_account", sa.Boolean(), nullable=False),
        sa.Column("chatter_sent_message", sa.Boolean(), nullable=False),
        sa.Column("wait_seconds", sa.Integer(), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("earlier_conversations", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_registrations_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["counselor_id"], ["users.id"], name=op.f("fk_registrations_counselor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["conversations.id"],
            name=op.f("fk_registrations_duplicate_of_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_version"],
            ["taxonomy_versions.version"],
            name=op.f("fk_registrations_taxonomy_version_taxonomy_versions"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_registrations")),
    )
    with op.batch_alter_table("chatters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("account_created_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_chatters_merged_into"), ["merged_into"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_chatters_username"), ["username"])
        batch_op.create_foreign_key(
            batch_op.f("fk_chatters_merged_into_chatters"), "chatters", ["merged_into"], ["id"]
        )

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=5), server_default="nl", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("locale")

    with op.batch_alter_table("chatters", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_chatters_merged_into_chatters"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_chatters_username"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_chatters_merged_into"))
        batch_op.drop_column("merged_into")
        batch_op.drop_column("account_created_at")
        batch_op.drop_column("password_hash")
        batch_op.drop_column("username")

    op.drop_table("registrations")
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handovers_region"))
        batch_op.drop_index(batch_op.f("ix_handovers_conversation_id"))

    op.drop_table("handovers")
    with op.batch_alter_table("chatter_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chatter_merges_target_chatter"))
        batch_op.drop_index(batch_op.f("ix_chatter_merges_source_chatter"))
        batch_op.drop_index(batch_op.f("ix_chatter_merges_conversation_id"))

    op.drop_table("chatter_merges")
    op.drop_table("taxonomy_versions")
    with op.batch_alter_table("chatter_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chatter_tokens_chatter_id"))

    op.drop_table("chatter_tokens")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_conversation_id"))

    op.drop_table("audit_entries")
    with op.batch_alter_table("contact_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_persons_region"))

    op.drop_table("contact_persons")
    op.drop_table("canned_responses")
