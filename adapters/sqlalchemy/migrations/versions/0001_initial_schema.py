"""Initial schema: the customer's tables the domain uses, plus campaign_runs.

Revision ID: 0001
Revises:
Create Date: 2025-04-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('email_campaigns',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('template_type', sa.String(length=64), nullable=False),
    sa.Column('subject_template', sa.String(), nullable=True),
    sa.Column('html_template', sa.Text(), nullable=True),
    sa.Column('text_template', sa.Text(), nullable=True),
    sa.Column('weight_basic', sa.Float(), nullable=False),
    sa.Column('weight_seo', sa.Float(), nullable=False),
    sa.Column('weight_personalized', sa.Float(), nullable=False),
    sa.Column('jobs_per_mail', sa.Integer(), nullable=False),
    sa.Column('per_company_cap', sa.Integer(), nullable=False),
    sa.Column('resend_window_days', sa.Integer(), nullable=False),
    sa.Column('send_hour_jst', sa.Integer(), nullable=False),
    sa.Column('min_total_score', sa.Float(), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_campaigns')),
    sa.UniqueConstraint('name', name=op.f('uq_email_campaigns_name'))
    )
    op.create_table('jobs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('company_name', sa.String(), nullable=False),
    sa.Column('job_type', sa.String(length=64), nullable=False),
    sa.Column('industry', sa.String(length=8), nullable=True),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.Column('prefecture', sa.String(length=16), nullable=False),
    sa.Column('municipality_code', sa.String(length=5), nullable=True),
    sa.Column('city', sa.String(), nullable=False),
    sa.Column('address', sa.String(), nullable=True),
    sa.Column('nearest_station', sa.String(), nullable=True),
    sa.Column('station_code', sa.String(length=16), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('walking_minutes', sa.Integer(), nullable=True),
    sa.Column('hourly_wage', sa.Integer(), nullable=False),
    sa.Column('work_start_time', sa.Time(), nullable=True),
    sa.Column('work_end_time', sa.Time(), nullable=True),
    sa.Column('work_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('requirements', JSON, nullable=False),
    sa.Column('benefits', JSON, nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('view_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('application_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('employer_id', sa.Uuid(), nullable=True),
    sa.Column('generated', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('external_id', name=op.f('uq_jobs_external_id'))
    )
    op.create_index('ix_jobs_active_expires', 'jobs', ['is_active', 'expires_at'], unique=False)
    op.create_index('ix_jobs_posted_at_desc', 'jobs', [sa.literal_column('posted_at DESC')], unique=False)
    op.create_index('ix_jobs_prefecture_job_type', 'jobs', ['prefecture_code', 'job_type'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(), server_default='', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('email_opt_in', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('role', sa.String(length=32), server_default='user', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('external_id', name=op.f('uq_users_external_id'))
    )
    op.create_index(op.f('ix_users_email'), 'users', ['email'], unique=False)

    op.create_table('campaign_runs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['email_campaigns.id'], name=op.f('fk_campaign_runs_campaign_id_email_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_runs')),
    sa.UniqueConstraint('campaign_id', 'run_date', name=op.f('uq_campaign_runs_campaign_id_run_date'))
    )
    op.create_table('user_actions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('action_type', sa.String(length=32), nullable=False),
    sa.Column('entity_type', sa.String(length=32), server_default='job', nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('metadata', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_actions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_actions'))
    )
    op.create_index(op.f('ix_user_actions_entity_id'), 'user_actions', ['entity_id'], unique=False)
    op.create_index('ix_user_actions_user_created', 'user_actions', ['user_id', 'created_at'], unique=False)

    op.create_table('user_addresses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.Column('prefecture', sa.String(length=16), nullable=False),
    sa.Column('city', sa.String(), nullable=False),
    sa.Column('municipality_code', sa.String(length=5), nullable=True),
    sa.Column('postal_code', sa.String(length=8), nullable=True),
    sa.Column('address_line', sa.String(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('is_primary', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_addresses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_addresses'))
    )
    op.create_index(op.f('ix_user_addresses_user_id'), 'user_addresses', ['user_id'], unique=False)

    op.create_table('user_job_scores',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('basic_score', sa.Float(), nullable=False),
    sa.Column('seo_score', sa.Float(), nullable=False),
    sa.Column('personalized_score', sa.Float(), nullable=False),
    sa.Column('total_score', sa.Float(), nullable=False),
    sa.Column('score_factors', JSON, nullable=False),
    sa.Column('calculated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'job_id', name=op.f('pk_user_job_scores'))
    )
    op.create_index('ix_user_job_scores_user_total', 'user_job_scores', ['user_id', sa.literal_column('total_score DESC')], unique=False)

    op.create_table('user_preferences',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('preferred_job_types', JSON, nullable=False),
    sa.Column('preferred_industries', JSON, nullable=False),
    sa.Column('max_commute_time', sa.Integer(), nullable=True),
    sa.Column('min_hourly_wage', sa.Integer(), nullable=True),
    sa.Column('availability', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_preferences'))
    )
    op.create_index(op.f('ix_user_preferences_user_id'), 'user_preferences', ['user_id'], unique=False)

    op.create_table('email_logs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('email_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=True),
    sa.Column('message_id', sa.String(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clicked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=128), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['email_campaigns.id'], name=op.f('fk_email_logs_campaign_id_email_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['campaign_runs.id'], name=op.f('fk_email_logs_run_id_campaign_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_logs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_logs')),
    sa.UniqueConstraint('run_id', 'user_id', name=op.f('uq_email_logs_run_id_user_id'))
    )
    op.create_index('ix_email_logs_run_status', 'email_logs', ['run_id', 'status'], unique=False)
    op.create_index(op.f('ix_email_logs_user_id'), 'email_logs', ['user_id'], unique=False)

    op.create_table('matching_results',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('match_rank', sa.Integer(), nullable=False),
    sa.Column('compatibility_score', sa.Float(), nullable=False),
    sa.Column('basic_score', sa.Float(), nullable=False),
    sa.Column('seo_score', sa.Float(), nullable=False),
    sa.Column('personalized_score', sa.Float(), nullable=False),
    sa.Column('match_reasons', JSON, nullable=False),
    sa.Column('distance_km', sa.Float(), nullable=True),
    sa.Column('commute_time_minutes', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['email_logs.id'], name=op.f('fk_matching_results_delivery_id_email_logs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_results'))
    )
    op.create_index(op.f('ix_matching_results_delivery_id'), 'matching_results', ['delivery_id'], unique=False)



def downgrade() -> None:
    op.drop_index(op.f('ix_matching_results_delivery_id'), table_name='matching_results')

    op.drop_table('matching_results')
    op.drop_index(op.f('ix_email_logs_user_id'), table_name='email_logs')
    op.drop_index('ix_email_logs_run_status', table_name='email_logs')

    op.drop_table('email_logs')
    op.drop_index(op.f('ix_user_preferences_user_id'), table_name='user_preferences')

    op.drop_table('user_preferences')
    op.drop_index('ix_user_job_scores_user_total', table_name='user_job_scores')

    op.drop_table('user_job_scores')
    op.drop_index(op.f('ix_user_addresses_user_id'), table_name='user_addresses')

    op.drop_table('user_addresses')
    op.drop_index('ix_user_actions_user_created', table_name='user_actions')
    op.drop_index(op.f('ix_user_actions_entity_id'), table_name='user_actions')

    op.drop_table('user_actions')
    op.drop_table('campaign_runs')
    op.drop_index(op.f('ix_users_email'), table_name='users')

    op.drop_table('users')
    op.drop_index('ix_jobs_prefecture_job_type', table_name='jobs')
    op.drop_index('ix_jobs_posted_at_desc', table_name='jobs')
    op.drop_index('ix_jobs_active_expires', table_name='jobs')

    op.drop_table('jobs')
    op.drop_table('email_campaigns')
