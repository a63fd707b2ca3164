"""Imperative mapping of the domain's dataclasses onto the tables; the domain never imports SQLAlchemy."""

from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Mapper, registry, relationship
from sqlalchemy.orm.relationships import _RelationshipDeclared

from adapters.sqlalchemy import tables as t
from domain.action import Action
from domain.campaign import Campaign, CampaignRun, CampaignVariant
from domain.company import Company
from domain.delivery import Delivery, MatchedJob
from domain.job import Job
from domain.job_search import search_text
from domain.security import ApiKey, AuditEntry, RefreshToken
from domain.user import Address, Preferences, User

mapper_registry = registry(metadata=t.metadata)


def start_mappers() -> None:
    """Map every entity once; calling it again is a no-op (each entrypoint and test may call it)."""
    if mapper_registry.mappers:
        return
    _map_users()
    _map_deliveries()
    _map_jobs()
    mapper_registry.map_imperatively(CampaignVariant, t.campaign_variants)
    mapper_registry.map_imperatively(
        Campaign,
        t.email_campaigns,
        properties={
            # Retired variants are kept (never orphaned); selectin: async sessions cannot lazy-load.
            "variants": relationship(
                CampaignVariant, lazy="selectin", cascade="all", order_by=t.campaign_variants.c.position
            ),
        },
    )
    mapper_registry.map_imperatively(Company, t.companies)
    mapper_registry.map_imperatively(CampaignRun, t.campaign_runs, properties={"_campaign": _flush_after(Campaign)})
    mapper_registry.map_imperatively(
        Action,
        t.user_actions,
        properties={
            "kind": t.user_actions.c.action_type,
            "job_id": t.user_actions.c.entity_id,
            "occurred_at": t.user_actions.c.created_at,
            "_user": _flush_after(User),
        },
        exclude_properties=["entity_type"],
    )
    _map_security()


def _map_jobs() -> None:
    mapper_registry.map_imperatively(Job, t.jobs)
    # The keyword-search column follows the job's text on every INSERT and UPDATE the ORM writes.
    event.listen(Job, "before_insert", _refresh_search_text)
    event.listen(Job, "before_update", _refresh_search_text)


def _refresh_search_text(mapper: Mapper[Job], connection: Connection, job: Job) -> None:
    job.search_text = search_text(job)  # type: ignore[attr-defined]  # a mapped column, not a domain field


def _flush_after(parent: type) -> _RelationshipDeclared[Any]:
    """A relationship the domain never sees. The ORM orders a flush's INSERTs only by relationships, so
    without it a new Action could reach the database before the new User it refers to."""
    return relationship(parent, lazy="raise")


def _map_users() -> None:
    mapper_registry.map_imperatively(Address, t.user_addresses)
    mapper_registry.map_imperatively(
        Preferences,
        t.user_preferences,
        properties={
            "job_types": t.user_preferences.c.preferred_job_types,
            "industries": t.user_preferences.c.preferred_industries,
            "max_commute_minutes": t.user_preferences.c.max_commute_time,
        },
    )
    mapper_registry.map_imperatively(
        User,
        t.users,
        properties={
            # selectin: async sessions cannot lazy-load, and one IN query per 500 users beats a join
            # that repeats nothing but costs a wider row.
            "address": relationship(Address, uselist=False, lazy="selectin", cascade="all, delete-orphan"),
            "preferences": relationship(Preferences, uselist=False, lazy="selectin", cascade="all, delete-orphan"),
        },
    )


def _map_security() -> None:
    # User.password_hash needs no entry: an imperative mapping maps every column of users by its name.
    mapper_registry.map_imperatively(RefreshToken, t.refresh_tokens, properties={"_user": _flush_after(User)})
    mapper_registry.map_imperatively(ApiKey, t.api_keys)
    mapper_registry.map_imperatively(AuditEntry, t.audit_log)


def _map_deliveries() -> None:
    mr = t.matching_results
    mapper_registry.map_imperatively(
        MatchedJob,
        mr,
        properties={
            "total_score": mr.c.compatibility_score,
            "reasons": mr.c.match_reasons,
            "commute_minutes": mr.c.commute_time_minutes,
        },
        # Written by DeliveryRepository.add_planned in bulk, from the delivery's own values.
        exclude_properties=["run_id", "user_id", "created_at"],
    )
    mapper_registry.map_imperatively(
        Delivery,
        t.email_logs,
        properties={
            "matches": relationship(
                MatchedJob, lazy="selectin", cascade="all, delete-orphan", order_by=mr.c.match_rank
            ),
        },
        exclude_properties=["claimed_by", "claimed_at"],
    )
