"""Jobs API: companies, the company of an employer and of a job, and the normalised keyword-search text.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.job_search import search_text

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_BATCH = 1000
_SEARCHED = ('title', 'company_name', 'job_type', 'description', 'nearest_station', 'prefecture', 'city',
             'address')  # fmt: skip


def upgrade() -> None:
    op.create_table('companies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('name', name=op.f('uq_companies_name'))
    )
    # Plain ADD COLUMNs on both databases (no batch rebuild on SQLite; see tables.py on the foreign keys).
    op.add_column('users', sa.Column('company_id', sa.Uuid(), nullable=True))
    op.create_index(op.f('ix_users_company_id'), 'users', ['company_id'], unique=False)
    op.add_column('jobs', sa.Column('company_id', sa.Uuid(), nullable=True))
    op.create_index(op.f('ix_jobs_company_id'), 'jobs', ['company_id'], unique=False)
    op.add_column('jobs', sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    _backfill_search_text()


def _backfill_search_text() -> None:
    """Existing postings get the same text the mapper writes for new ones, in batches by id."""
    jobs = sa.table('jobs', sa.column('id', sa.Uuid()), sa.column('search_text', sa.Text()),
                    *(sa.column(name, sa.String()) for name in _SEARCHED))  # fmt: skip
    connection = op.get_bind()
    last = None
    while True:
        query = sa.select(jobs).order_by(jobs.c.id).limit(BACKFILL_BATCH)
        if last is not None:
            query = query.where(jobs.c.id > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        connection.execute(
            jobs.update().where(jobs.c.id == sa.bindparam('job_id')).values(search_text=sa.bindparam('text')),
            [{'job_id': row.id, 'text': search_text(row)} for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    op.drop_column('jobs', 'search_text')
    op.drop_index(op.f('ix_jobs_company_id'), table_name='jobs')
    op.drop_column('jobs', 'company_id')
    op.drop_index(op.f('ix_users_company_id'), table_name='users')
    op.drop_column('users', 'company_id')
    op.drop_table('companies')
