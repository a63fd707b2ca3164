"""The customer's tables (names from their schema sketch), extended with what the domain needs.

Free text is unbounded VARCHAR: PostgreSQL stores it the same, and a length limit would turn a long
Japanese title into an error instead of a row.
"""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    false,
    true,
)

from adapters.sqlalchemy.column_types import Json, StrEnumType, UtcDateTime
from domain.action import ActionKind
from domain.campaign import RunStatus
from domain.delivery import DeliveryStatus, FailureKind
from domain.link_scanners import HitKind, ScannerReason
from domain.shard import ShardStatus
from domain.suppression import BounceKind

# Deterministic constraint names, so Alembic can drop and compare them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _timestamps() -> list[Column[object]]:
    return [Column("created_at", UtcDateTime), Column("updated_at", UtcDateTime)]


# 0003: employers post for a company; an employer account belongs to one (users.company_id). The
# company_id columns of users and jobs have no foreign key: adding one to an existing SQLite table needs a
# batch rebuild, whose DROP TABLE would cascade-delete every child row, and companies are never deleted.
companies = Table(
    "companies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String, nullable=False, unique=True),
    Column("created_at", UtcDateTime),
)

# users.email is deliberately not unique: family members share one address, and each of them is a
# recipient with their own preferences and unsubscribe state.
users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("external_id", String(64), unique=True),
    Column("email", String(254), nullable=False, index=True),
    Column("full_name", String, nullable=False, server_default=""),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("email_opt_in", Boolean, nullable=False, server_default=true()),
    Column("mail_frequency", String(16), nullable=False, server_default="daily"),
    Column("role", String(32), nullable=False, server_default="user"),
    Column("password_hash", String),  # argon2id; NULL: the user has no password login
    *_timestamps(),
    Column("company_id", Uuid, index=True),  # 0003
)

# One row per user in practice (the ORM keeps it one-to-one); not a unique key because replacing the
# address inserts the new row before the orphan is deleted in the same flush.
user_addresses = Table(
    "user_addresses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("prefecture_code", String(2), nullable=False),
    Column("prefecture", String(16), nullable=False),
    Column("city", String, nullable=False),
    Column("municipality_code", String(5)),
    Column("postal_code", String(8)),
    Column("address_line", String),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("is_primary", Boolean, nullable=False, server_default=true()),
)

user_preferences = Table(
    "user_preferences",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("preferred_job_types", Json, nullable=False),
    Column("preferred_industries", Json, nullable=False),
    Column("max_commute_time", Integer),
    Column("min_hourly_wage", Integer),
    Column("availability", Json, nullable=False),
    *_timestamps(),
    # 0010: the user's own alert settings (NULL threshold: the site's MAILSCORE_ALERT_THRESHOLD).
    Column("alert_threshold", Float),
    Column("instant_alerts", Boolean, nullable=False, server_default=false()),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("external_id", String(64), unique=True),
    Column("title", String, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("company_name", String, nullable=False),
    Column("job_type", String(64), nullable=False),
    Column("industry", String(8)),
    Column("prefecture_code", String(2), nullable=False),
    Column("prefecture", String(16), nullable=False),
    Column("municipality_code", String(5)),
    Column("city", String, nullable=False),
    Column("address", String),
    Column("nearest_station", String),
    Column("station_code", String(16)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("walking_minutes", Integer),
    Column("hourly_wage", Integer, nullable=False),
    Column("work_start_time", Time),
    Column("work_end_time", Time),
    Column("work_days", Integer, nullable=False, server_default="0"),
    Column("requirements", Json, nullable=False),
    Column("benefits", Json, nullable=False),
    Column("posted_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("view_count", Integer, nullable=False, server_default="0"),
    Column("application_count", Integer, nullable=False, server_default="0"),
    Column("employer_id", Uuid),
    Column("generated", Boolean, nullable=False, server_default=false()),
    *_timestamps(),
    # 0003: the company that owns the posting (NULL for imported ones), and the normalised text that
    # keyword search matches (domain.job_search.search_text), kept current on every write by the mapper.
    Column("company_id", Uuid, index=True),
    Column("search_text", Text, nullable=False, server_default=""),
    Index("ix_jobs_active_expires", "is_active", "expires_at"),
    Index("ix_jobs_prefecture_job_type", "prefecture_code", "job_type"),
)

Index("ix_jobs_posted_at_desc", jobs.c.posted_at.desc())

# A derived cache, rebuilt per batch of users by delete + COPY. No foreign keys: their per-row checks
# made a 1M-row COPY about four times slower (3.5 s -> 12.7 s measured), and a dangling row is harmless
# (readers look the jobs up and skip missing ones) until the next rebuild removes it.
user_job_scores = Table(
    "user_job_scores",
    metadata,
    Column("user_id", Uuid, nullable=False),
    Column("job_id", Uuid, nullable=False),
    Column("basic_score", Float, nullable=False),
    Column("seo_score", Float, nullable=False),
    Column("personalized_score", Float, nullable=False),
    Column("total_score", Float, nullable=False),
    Column("score_factors", Json, nullable=False),
    Column("calculated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "job_id"),
)
Index("ix_user_job_scores_user_total", user_job_scores.c.user_id, user_job_scores.c.total_score.desc())

email_campaigns = Table(
    "email_campaigns",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("template_type", String(64), nullable=False),
    Column("subject_template", String),
    Column("html_template", Text),
    Column("text_template", Text),
    Column("weight_basic", Float, nullable=False),
    Column("weight_seo", Float, nullable=False),
    Column("weight_personalized", Float, nullable=False),
    Column("jobs_per_mail", Integer, nullable=False),
    Column("per_company_cap", Integer, nullable=False),
    Column("resend_window_days", Integer, nullable=False),
    Column("send_hour_jst", Integer, nullable=False),
    Column("min_total_score", Float, nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("created_at", UtcDateTime),
)

# A/B variants (0009). Retired, not deleted, when taken out of a campaign: mails keep their variant's name.
campaign_variants = Table(
    "campaign_variants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("campaign_id", Uuid, ForeignKey("email_campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("share", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("weight_basic", Float),
    Column("weight_seo", Float),
    Column("weight_personalized", Float),
    Column("subject_template", String),
    Column("retired", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("campaign_id", "name"),
)

campaign_runs = Table(
    "campaign_runs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("campaign_id", Uuid, ForeignKey("email_campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("run_date", Date, nullable=False),
    Column("status", StrEnumType(RunStatus), nullable=False),
    Column("started_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
    UniqueConstraint("campaign_id", "run_date"),
)

# The deliveries. claimed_by / claimed_at are the sender's lease on a row; the domain never sees them.
email_logs = Table(
    "email_logs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("run_id", Uuid, ForeignKey("campaign_runs.id", ondelete="CASCADE"), nullable=False),
    Column("campaign_id", Uuid, ForeignKey("email_campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("email_address", String(254), nullable=False),
    Column("subject", String),
    Column("status", StrEnumType(DeliveryStatus), nullable=False),
    Column("reason", String(64)),
    Column("message_id", String),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("opened_at", UtcDateTime),
    Column("clicked_at", UtcDateTime),
    Column("unsubscribed_at", UtcDateTime),  # 0005
    # 0009: the A/B variant the user was in. No foreign key: variants are never deleted (only retired), and
    # SQLite cannot add one to an existing table without rebuilding it.
    Column("variant_id", Uuid),
    Column("claimed_by", String(128)),
    Column("claimed_at", UtcDateTime),  # the claim's lease runs from here; its holder renews it
    Column("sending_at", UtcDateTime),
    Column("retry_at", UtcDateTime),
    Column("failure", StrEnumType(FailureKind)),
    Column("smtp_code", Integer),
    Column("detail", String),
    UniqueConstraint("run_id", "user_id"),
    Index("ix_email_logs_run_status", "run_id", "status"),
)

# An append-only record of what each mail showed (about ten rows per delivery, a million a day), written
# by the repository's COPY, not by the ORM; run_id and user_id repeat the delivery's for reporting.
# Indexes and foreign keys are kept to what the queries use, as each costs 1-3 s per million rows
# (measured): delivery_id is the only foreign key (run and user follow from it, and job_id must outlive
# a deleted job in the mail history), and there is no (user_id, created_at) index because what a user
# was mailed is read through email_logs, where status and sent_at live.
matching_results = Table(
    "matching_results",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("run_id", Uuid, nullable=False),
    Column("delivery_id", Uuid, ForeignKey("email_logs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("user_id", Uuid, nullable=False),
    Column("job_id", Uuid, nullable=False),
    Column("match_rank", Integer, nullable=False),
    Column("compatibility_score", Float, nullable=False),
    Column("basic_score", Float, nullable=False),
    Column("seo_score", Float, nullable=False),
    Column("personalized_score", Float, nullable=False),
    Column("match_reasons", Json, nullable=False),
    Column("distance_km", Float),
    Column("commute_time_minutes", Integer),
    Column("created_at", UtcDateTime),
)

user_actions = Table(
    "user_actions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("action_type", StrEnumType(ActionKind), nullable=False),
    Column("entity_type", String(32), nullable=False, server_default="job"),
    Column("entity_id", Uuid, nullable=False, index=True),
    Column("metadata", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_user_actions_user_created", "user_id", "created_at"),
)

# Security records (0002). Token and key hashes are unique so a lookup by hash finds at most one row.
# refresh_tokens.user_id is indexed because logging a user out everywhere updates by it.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("token_hash", String, nullable=False, unique=True),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
)

# created_by has no foreign key: a key outlives the account of the admin who made it.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String, nullable=False),
    Column("key_hash", String, nullable=False, unique=True),
    Column("permissions", Json, nullable=False),
    Column("rate_limit_per_hour", Integer, nullable=False, server_default="1000"),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("created_at", UtcDateTime),
    Column("expires_at", UtcDateTime),
    Column("created_by", Uuid),
)

# Append-only. No foreign key on actor_id: the trail must outlive the users it names.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("actor_id", Uuid),
    Column("actor", String, nullable=False),
    Column("action", String, nullable=False),
    Column("target_type", String, nullable=False),
    Column("target_id", String),
    Column("at", UtcDateTime, nullable=False),
    Column("details", Json, nullable=False),
)
Index("ix_audit_log_at_desc", audit_log.c.at.desc())

# Bounces and complaints as they were reported; (report_key, email) makes reading a report twice harmless.
# delivery_id has no foreign key: the history of an address outlives the deliveries it came from.
bounce_events = Table(
    "bounce_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("report_key", String, nullable=False),
    Column("email", String(254), nullable=False, index=True),
    Column("kind", StrEnumType(BounceKind), nullable=False),
    Column("status", String(16)),
    Column("diagnostic", String, nullable=False),
    Column("delivery_id", Uuid),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint("report_key", "email"),
)

# Addresses never to be mailed again (normalized: see domain.suppression.normalize_address).
email_suppressions = Table(
    "email_suppressions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("kind", StrEnumType(BounceKind), nullable=False),
    Column("reason", String, nullable=False),
    Column("delivery_id", Uuid),
    Column("created_at", UtcDateTime, nullable=False),
)

# A sharded run's slices of users (domain/shard.py); written by the run's starter, finished by workers.
run_shards = Table(
    "run_shards",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("run_id", Uuid, ForeignKey("campaign_runs.id", ondelete="CASCADE"), nullable=False),
    Column("shard_no", Integer, nullable=False),
    Column("user_ids", Json, nullable=False),
    Column("status", StrEnumType(ShardStatus), nullable=False),
    Column("sent", Integer, nullable=False, server_default="0"),
    Column("skipped", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Column("finished_at", UtcDateTime),
    UniqueConstraint("run_id", "shard_no"),
)

# What the scheduler did with each due firing: started, or missed (found too late after downtime).
schedule_fires = Table(
    "schedule_fires",
    metadata,
    Column("schedule_id", String(128), nullable=False),
    Column("fire_at", UtcDateTime, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("run_date", String(10)),
    PrimaryKeyConstraint("schedule_id", "fire_at"),
)

# How far each periodic sweep has gone (0011): the scheduler's expiry sweep queues the jobs whose expiry
# fell in (swept_until, now] and moves the mark, so a restarted scheduler neither misses nor repeats a window.
sweep_watermarks = Table(
    "sweep_watermarks",
    metadata,
    Column("sweep", String(64), primary_key=True),
    Column("swept_until", UtcDateTime, nullable=False),
)

# Jobs mailed to users as instant alerts (0010): the primary key (user, job) is what keeps a job from being
# alerted twice by mail, whichever event or redelivery finds it again. The mail itself is a delivery of the
# instant-alerts campaign (email_logs); delivery_id has no foreign key because the key is claimed first, in
# the same transaction, before the delivery row is written.
job_alerts = Table(
    "job_alerts",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("job_id", Uuid, nullable=False),
    Column("delivery_id", Uuid, nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("alerted_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "job_id"),
)

# Every fetch of a mail's open pixel or click links; scanner_reason set: a link scanner's, not an open or
# a click (domain.link_scanners). Kept for looking into rates, never read when sending.
mail_link_hits = Table(
    "mail_link_hits",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("delivery_id", Uuid, ForeignKey("email_logs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", StrEnumType(HitKind), nullable=False),
    Column("job_id", Uuid),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("user_agent", String, nullable=False),
    Column("scanner_reason", StrEnumType(ScannerReason)),
)
