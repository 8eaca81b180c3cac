"""Initial schema: store state, catalog revisions and providers, policies and revisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("generation", sa.Integer(), nullable=False),
    )
    op.execute("INSERT INTO store_state (id, generation) VALUES (1, 0)")
    op.create_table(
        "catalog_revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("revision", sa.String(64), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("provider_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_catalog_revision_revision", "catalog_revision", ["revision"])
    op.create_table(
        "catalog_provider",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "catalog_revision_id",
            sa.Integer(),
            sa.ForeignKey("catalog_revision.id"),
            nullable=False,
        ),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.UniqueConstraint("catalog_revision_id", "provider_id"),
    )
    op.create_index(
        "ix_catalog_provider_catalog_revision_id", "catalog_provider", ["catalog_revision_id"]
    )
    op.create_table(
        "policy",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("current_revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org", "name"),
    )
    op.create_table(
        "policy_revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("policy_id", sa.Integer(), sa.ForeignKey("policy.id"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("policy_id", "revision"),
    )
    op.create_index("ix_policy_revision_policy_id", "policy_revision", ["policy_id"])


def downgrade() -> None:
    for index, table in (
        ("ix_policy_revision_policy_id", "policy_revision"),
        ("ix_catalog_provider_catalog_revision_id", "catalog_provider"),
        ("ix_catalog_revision_revision", "catalog_revision"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "policy_revision",
        "policy",
        "catalog_provider",
        "catalog_revision",
        "store_state",
    ):
        op.drop_table(table)
