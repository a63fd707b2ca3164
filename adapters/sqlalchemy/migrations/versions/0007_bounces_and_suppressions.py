"""Bounces and suppressions: bounce_events and email_suppressions.

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bounce_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('report_key', sa.String(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('diagnostic', sa.String(), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bounce_events')),
    sa.UniqueConstraint('report_key', 'email', name=op.f('uq_bounce_events_report_key_email'))
    )
    op.create_index(op.f('ix_bounce_events_email'), 'bounce_events', ['email'], unique=False)
    op.create_table('email_suppressions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_suppressions')),
    sa.UniqueConstraint('email', name=op.f('uq_email_suppressions_email'))
    )


def downgrade() -> None:
    op.drop_table('email_suppressions')
    op.drop_index(op.f('ix_bounce_events_email'), table_name='bounce_events')
    op.drop_table('bounce_events')
