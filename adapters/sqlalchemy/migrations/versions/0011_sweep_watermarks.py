"""How far each periodic sweep has gone (sweep_watermarks: the scheduler's expiry sweep).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sweep_watermarks',
    sa.Column('sweep', sa.String(length=64), nullable=False),
    sa.Column('swept_until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sweep', name=op.f('pk_sweep_watermarks'))
    )


def downgrade() -> None:
    op.drop_table('sweep_watermarks')
