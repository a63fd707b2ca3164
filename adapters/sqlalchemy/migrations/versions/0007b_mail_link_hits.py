"""Mail link hits: every fetch of an open pixel or click link, scanners flagged (mail_link_hits).

Revision ID: 0007b
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007b'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mail_link_hits',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(), nullable=False),
    sa.Column('scanner_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['email_logs.id'], name=op.f('fk_mail_link_hits_delivery_id_email_logs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_link_hits'))
    )
    op.create_index(op.f('ix_mail_link_hits_delivery_id'), 'mail_link_hits', ['delivery_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_mail_link_hits_delivery_id'), table_name='mail_link_hits')
    op.drop_table('mail_link_hits')
