"""API keys (digests only) and the hash-chained audit log with its head in store_state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "store_state",
        sa.Column("audit_seq", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "store_state",
        sa.Column("audit_head", sa.String(64), nullable=False, server_default="0" * 64),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.String(12), primary_key=True),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_key_org", "api_key", ["org"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object", sa.String(300), nullable=False),
        sa.Column("old_digest", sa.String(128), nullable=False),
        sa.Column("new_digest", sa.String(128), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_org", "audit_log", ["org"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_org", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_api_key_org", table_name="api_key")
    op.drop_table("api_key")
    with op.batch_alter_table("store_state") as batch:
        batch.drop_column("audit_head")
        batch.drop_column("audit_seq")
