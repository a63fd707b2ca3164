"""Campaign A/B variants: campaign_variants, and the variant of each delivery (email_logs.variant_id).

Revision ID: 0009
Revises: 0007c
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0007c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaign_variants',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('share', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('weight_basic', sa.Float(), nullable=True),
    sa.Column('weight_seo', sa.Float(), nullable=True),
    sa.Column('weight_personalized', sa.Float(), nullable=True),
    sa.Column('subject_template', sa.String(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['email_campaigns.id'],
                            name=op.f('fk_campaign_variants_campaign_id_email_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_variants')),
    sa.UniqueConstraint('campaign_id', 'name', name=op.f('uq_campaign_variants_campaign_id_name'))
    )
    # A plain ADD COLUMN (nullable, no default): no table rewrite on PostgreSQL, no batch rebuild on SQLite.
    op.add_column('email_logs', sa.Column('variant_id', sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column('email_logs', 'variant_id')
    op.drop_table('campaign_variants')
