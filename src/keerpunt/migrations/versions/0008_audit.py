"""The access log refuses change: UPDATE and DELETE (and TRUNCATE on PostgreSQL) of
audit_entries fail with "the access log is append-only", whoever asks. And it is indexed
by user and by time, for the admins' search.

The triggers stop the application and any mistake made through it; the owner of the
table can still drop them, so on PostgreSQL the application runs as a role that does not
own the table and has only SELECT and INSERT on it (docs/admin-guide.md), and the hash
chain with its anchor (`audit verify --expect-count/--expect-head`) finds what
was done behind their back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "the access log is append-only"


def upgrade() -> None:
    op.create_index("ix_audit_entries_user_id", "audit_entries", ["user_id"])
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{verb} BEFORE {verb.upper()} ON audit_entries"
                f" BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS"
        f" $$ BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';"
        " END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries"
        " FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_entries_no_{verb}")
    else:
        op.execute("DROP TRIGGER audit_entries_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER audit_entries_no_change ON audit_entries")
        op.execute("DROP FUNCTION audit_entries_append_only()")
    op.drop_index("ix_audit_entries_at", "audit_entries")
    op.drop_index("ix_audit_entries_user_id", "audit_entries")
