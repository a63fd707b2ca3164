"""Sharded runs and the scheduler: run_shards, schedule_fires.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_shards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("shard_no", sa.Integer(), nullable=False),
        sa.Column("user_ids", JSON, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["campaign_runs.id"], name=op.f("fk_run_shards_run_id_campaign_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_shards")),
        sa.UniqueConstraint("run_id", "shard_no", name=op.f("uq_run_shards_run_id_shard_no")),
    )
    op.create_table(
        "schedule_fires",
        sa.Column("schedule_id", sa.String(length=128), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_date", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("schedule_id", "fire_at", name=op.f("pk_schedule_fires")),
    )


def downgrade() -> None:
    op.drop_table("schedule_fires")
    op.drop_table("run_shards")
