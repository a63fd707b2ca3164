"""The mail frequency a person chose on the preference page (users.mail_frequency: daily or weekly).

Revision ID: 0007c
Revises: 0007b
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007c'
down_revision: str | None = '0007b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default: no table rewrite on PostgreSQL 11+, no batch rebuild on SQLite.
    op.add_column('users', sa.Column('mail_frequency', sa.String(length=16), server_default='daily', nullable=False))


def downgrade() -> None:
    op.drop_column('users', 'mail_frequency')  # plain: a batch rebuild would cascade on SQLite
