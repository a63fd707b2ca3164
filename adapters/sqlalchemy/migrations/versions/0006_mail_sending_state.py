"""Sending state of a delivery: in flight since, retry not before, failure kind, the relay's reply.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch rebuild on SQLite, whose DROP TABLE would cascade to matching_results).
    op.add_column('email_logs', sa.Column('sending_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('email_logs', sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('email_logs', sa.Column('failure', sa.String(length=32), nullable=True))
    op.add_column('email_logs', sa.Column('smtp_code', sa.Integer(), nullable=True))
    op.add_column('email_logs', sa.Column('detail', sa.String(), nullable=True))
    # Failures recorded before this revision said nothing of their kind; a 5xx reply or a mail that could
    # not be built is permanent, anything else (temporary refusals, an unreachable relay) may be retried.
    op.execute(
        "UPDATE email_logs SET failure = CASE"
        " WHEN reason LIKE 'SMTP 5%' OR reason LIKE 'cannot compose%' OR reason LIKE 'invalid address%'"
        " THEN 'permanent' ELSE 'retryable' END"
        " WHERE status = 'failed'"
    )


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place (no table rebuild, so no cascade to matching_results).
    for name in ('detail', 'smtp_code', 'failure', 'retry_at', 'sending_at'):
        op.drop_column('email_logs', name)
