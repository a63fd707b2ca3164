"""Per-user alert settings (user_preferences.alert_threshold, instant_alerts) and the instant-alert mail
record (job_alerts: one row per user and job).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, or a constant default): no table rewrite on PostgreSQL 11+, no batch rebuild
    # on SQLite.
    op.add_column('user_preferences', sa.Column('alert_threshold', sa.Float(), nullable=True))
    op.add_column('user_preferences',
                  sa.Column('instant_alerts', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('job_alerts',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('alerted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_job_alerts_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'job_id', name=op.f('pk_job_alerts'))
    )


def downgrade() -> None:
    op.drop_table('job_alerts')
    op.drop_column('user_preferences', 'instant_alerts')  # plain: a batch rebuild would cascade on SQLite
    op.drop_column('user_preferences', 'alert_threshold')
