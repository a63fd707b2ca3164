"""Campaign A/B variants: assignment by a stable hash, and planning that scores each variant with its weights."""

import functools
import random
import subprocess
import sys
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.in_memory import InMemoryStore
from adapters.planning.processes import ForkedPlanning
from adapters.sqlalchemy.score_repository import encode_score_factors
from application.mail_planning import IN_THREAD, PlanOptions
from application.use_cases import run_daily_mail
from domain.campaign import BUCKETS, Campaign, CampaignVariant, VariantSplit, check_variant_shares, variant_bucket
from domain.delivery import DeliveryStatus
from domain.jst import at_jst
from tests.unit.test_planning_workers import _outcome, _planned_world, needs_fork
from tests.unit.test_run_daily_mail import RUN_DATE, World, make_job, make_user

CAMPAIGN = uuid.UUID("6b1f0c5e-0000-4000-8000-00000000ab01")


def _ids(n: int, seed: int = 7) -> list[uuid.UUID]:
    rng = random.Random(seed)
    return [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(n)]


def _variant(name: str, share: int, position: int, weights: tuple[float, float, float] | None = None,
             subject: str | None = None) -> CampaignVariant:  # fmt: skip
    basic, seo, personalized = weights or (None, None, None)
    return CampaignVariant(uuid.uuid4(), CAMPAIGN, name, share, position, basic, seo, personalized, subject)


def test_assignment_matches_the_shares_within_tolerance_on_10k_users() -> None:
    variants = [_variant("A", 20, 0), _variant("B", 30, 1), _variant("C", 50, 2)]
    split = VariantSplit(variants)
    counts = Counter(split.assign(CAMPAIGN, u).name for u in _ids(10_000))  # type: ignore[union-attr]
    # binomial standard deviation on 10k draws is at most 0.5 point: 1.5 points is three of them
    for v in variants:
        assert abs(counts[v.name] / 100 - v.share) < 1.5, (v.name, counts)


def test_assignment_is_the_same_in_another_process_and_differs_between_campaigns() -> None:
    users = _ids(200)
    here = [variant_bucket(CAMPAIGN, u) for u in users]
    code = (
        "import sys, uuid\nfrom domain.campaign import variant_bucket\n"
        f"c = uuid.UUID({str(CAMPAIGN)!r})\n"
        "print(','.join(str(variant_bucket(c, uuid.UUID(line.strip()))) for line in sys.stdin))"
    )
    child = subprocess.run([sys.executable, "-c", code], input="\n".join(map(str, users)), capture_output=True,
                           text=True, check=True, env={"PYTHONHASHSEED": "123"})  # fmt: skip
    assert [int(b) for b in child.stdout.strip().split(",")] == here
    assert all(0 <= b < BUCKETS for b in here)
    other = [variant_bucket(uuid.uuid4(), u) for u in users]
    assert other != here  # each campaign splits its audience on its own


def test_a_campaign_without_variants_assigns_nobody() -> None:
    campaign = Campaign(CAMPAIGN, "daily")
    assert campaign.variant_of(uuid.uuid4()) is None
    assert campaign.weights_of(None) == campaign.weights


def test_retired_variants_get_no_users_and_weights_fall_back_to_the_campaigns() -> None:
    a, b = _variant("A", 100, 0, (1.0, 0.0, 0.0), "件名A"), _variant("B", 100, 1)
    a.retired = True
    campaign = Campaign(CAMPAIGN, "daily", subject_template="件名", variants=[a, b])
    assert {campaign.variant_of(u) for u in _ids(50)} == {b}
    assert campaign.weights_of(b.id) == campaign.weights  # B has no weights of its own
    assert campaign.weights_of(a.id).basic == 1.0
    assert campaign.subject_for(a.id) == "件名A"
    assert campaign.subject_for(b.id) == "件名"


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ([("A", 50), ("B", 40)], "sum to 100, got 90"),
        ([("A", 50), ("a", 50)], "two variants are named 'a'"),
        ([("Ａ", 50), ("A", 50)], "two variants are named 'A'"),  # full-width Ａ is A after NFKC
        ([("A", 0), ("B", 100)], "between 1 and 100"),
        ([(" ", 100)], "must not be blank"),
    ],
)
def test_bad_variant_lists_are_refused_naming_the_problem(variants: list[tuple[str, int]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_variant_shares([_variant(name, share, i) for i, (name, share) in enumerate(variants)])


async def _two_variant_world(tmp_path: Path) -> tuple[World, CampaignVariant, CampaignVariant, list[uuid.UUID]]:
    """Forty users at one address and jobs that rank one way on fit (near, well paid, old listings) and
    another on listing quality (far, fresh, popular): variant A ranks on fit, B on the listing."""
    w = World(tmp_path / "outbox")
    w.campaign.jobs_per_mail = 3
    a = _variant("A", 50, 0, (1.0, 0.01, 0.0))
    b = _variant("B", 50, 1, (0.01, 1.0, 0.0), subject="Bの件名 {{ jobs|length }}件")
    for v in (a, b):
        v.campaign_id = w.campaign.id
    w.campaign.variants = [a, b]
    users = [make_user("1500041", f"u{i}") for i in range(40)]
    posted_long_ago = at_jst(RUN_DATE, 8) - timedelta(days=60)
    fit = [make_job(f"近くて高時給{i}", hourly_wage=1800 + i, posted_at=posted_long_ago) for i in range(3)]
    listing = [
        make_job(f"新着人気{i}", hourly_wage=1250, walking_minutes=25, view_count=5000, application_count=400,
                 description="仕事内容の詳しい説明。" * 20, posted_at=at_jst(RUN_DATE, 6))
        for i in range(3)
    ]  # fmt: skip
    await w.add(*users, *fit, *listing)
    return w, a, b, [u.id for u in users]


async def test_each_variant_ranks_with_its_weights_and_the_delivery_records_the_variant(tmp_path: Path) -> None:
    w, a, b, user_ids = await _two_variant_world(tmp_path)
    await w.run()
    deliveries = w.deliveries()
    rankings: dict[uuid.UUID, set[tuple[uuid.UUID, ...]]] = {a.id: set(), b.id: set()}
    for user_id in user_ids:
        d = deliveries[user_id]
        assert d.status is DeliveryStatus.SENT
        assert d.variant_id == w.campaign.variant_of(user_id).id  # type: ignore[union-attr]
        rankings[d.variant_id].add(tuple(m.job_id for m in sorted(d.matches, key=lambda m: m.match_rank)))
        assert d.subject is not None
        assert d.subject.startswith("Bの件名") == (d.variant_id == b.id)
    assert all(len(r) == 1 for r in rankings.values()), rankings  # identical users, one ranking per variant
    assert rankings[a.id] != rankings[b.id]
    assert 10 <= sum(1 for u in user_ids if deliveries[u].variant_id == a.id) <= 30


async def test_the_same_user_gets_another_ranking_when_moved_to_another_variant(tmp_path: Path) -> None:
    w, a, b, user_ids = await _two_variant_world(tmp_path)
    w.campaign.resend_window_days = 0
    a.share, b.share = 100, 1  # everyone in A on the first day...
    b.retired = True
    await w.run()
    first = w.deliveries()
    stored = {v.name: v for v in w.store.campaigns[w.campaign.id].variants}  # the run committed a copy
    stored["A"].retired, stored["B"].retired, stored["B"].share = True, False, 100  # ...and in B on the next
    await w.run(RUN_DATE + timedelta(days=1))
    second = w.deliveries(RUN_DATE + timedelta(days=1))
    user = user_ids[0]
    assert (first[user].variant_id, second[user].variant_id) == (a.id, b.id)
    assert [m.job_id for m in first[user].matches] != [m.job_id for m in second[user].matches]


async def test_without_variants_deliveries_carry_none(tmp_path: Path) -> None:
    w, _, _, user_ids = await _two_variant_world(tmp_path)
    w.campaign.variants = []
    await w.run()
    assert {w.deliveries()[u].variant_id for u in user_ids} == {None}


@needs_fork
async def test_a_run_with_variants_plans_the_same_in_processes_as_in_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_daily_mail, "PLAN_CHUNK_USERS", 64)

    def with_variants(store: InMemoryStore) -> None:
        (campaign,) = store.campaigns.values()
        campaign.variants = [
            CampaignVariant(uuid.UUID(int=1), campaign.id, "A", 40, 0, 1.0, 0.1, 0.0),
            CampaignVariant(uuid.UUID(int=2), campaign.id, "B", 60, 1, 0.1, 1.0, 0.5),
        ]

    in_thread = await _planned_world(tmp_path / "a", IN_THREAD, with_variants)
    forked = PlanOptions(functools.partial(ForkedPlanning, processes=2), encode_score_factors)
    in_processes = await _planned_world(tmp_path / "b", forked, with_variants)
    variants = Counter(d.variant_id for d in in_thread.deliveries.values())
    assert set(variants) == {uuid.UUID(int=1), uuid.UUID(int=2)}
    assert {u: d.variant_id for u, d in ((d.user_id, d) for d in in_processes.deliveries.values())} == {
        d.user_id: d.variant_id for d in in_thread.deliveries.values()
    }
    assert _outcome(in_processes) == _outcome(in_thread)
