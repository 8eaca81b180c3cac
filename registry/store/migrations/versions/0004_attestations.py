"""Org attestations (SPEC §9): one row per (org, name), every text kept as a revision.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attestations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("current_revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org", "name"),
    )
    op.create_table(
        "attestations_revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "attestations_id", sa.Integer(), sa.ForeignKey("attestations.id"), nullable=False
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("attestations_id", "revision"),
    )
    op.create_index(
        "ix_attestations_revision_attestations_id",
        "attestations_revision",
        ["attestations_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_attestations_revision_attestations_id", table_name="attestations_revision")
    op.drop_table("attestations_revision")
    op.drop_table("attestations")
