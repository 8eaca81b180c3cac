"""Deployments and model offerings of each catalog revision as rows (queryable in SQL).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_deployment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "catalog_revision_id",
            sa.Integer(),
            sa.ForeignKey("catalog_revision.id"),
            nullable=False,
        ),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("deployment_id", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(130), nullable=False),
        sa.UniqueConstraint("catalog_revision_id", "target_id"),
    )
    op.create_index(
        "ix_catalog_deployment_catalog_revision_id", "catalog_deployment", ["catalog_revision_id"]
    )
    op.create_table(
        "catalog_offering",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "catalog_revision_id",
            sa.Integer(),
            sa.ForeignKey("catalog_revision.id"),
            nullable=False,
        ),
        sa.Column("target_id", sa.String(130), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.UniqueConstraint("catalog_revision_id", "target_id", "model_id"),
    )
    op.create_index(
        "ix_catalog_offering_catalog_revision_id", "catalog_offering", ["catalog_revision_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_catalog_offering_catalog_revision_id", table_name="catalog_offering")
    op.drop_table("catalog_offering")
    op.drop_index("ix_catalog_deployment_catalog_revision_id", table_name="catalog_deployment")
    op.drop_table("catalog_deployment")
