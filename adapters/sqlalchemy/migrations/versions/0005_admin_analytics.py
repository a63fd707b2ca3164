"""Admin analytics: which mail a recipient unsubscribed through (email_logs.unsubscribed_at).

Revision ID: 0005
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (nullable, no default): no table rewrite on PostgreSQL, no batch rebuild on SQLite.
    op.add_column('email_logs', sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('email_logs', 'unsubscribed_at')  # plain: a batch rebuild would cascade on SQLite
