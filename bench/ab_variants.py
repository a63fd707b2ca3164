"""Planning with A/B variants against planning without, on the same users and jobs, in one process.

The product: ChunkPlanner over a two-variant campaign (users hashed into variants, grouped, each group scored
by its own BatchScorer with its weights, deliveries planned with their variant). The reference: the same
planner with no variants. Both plan every user in 1,024-user slices as a run does (in this process, no
writing); CPU seconds, best of --repeat. Prints `ratio=<with variants / without>` last (1.0: no cost).
"""

import argparse
import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import date

from adapters.in_memory import InMemoryStore, InMemoryUnitOfWork
from adapters.reference_data.loader import BundledReferenceData
from application.demo_data import build_demo_data, store_demo_data
from application.mail_planning import (
    NO_VARIANTS,
    PLAN_CHUNK_USERS,
    ChunkPlanner,
    group_by_variant,
    rank_request,
    split_by_variant,
)
from application.matching import IndustryNamer, MatchingState, load_matching_state
from domain.campaign import Campaign, CampaignRun, CampaignVariant
from domain.jst import at_jst
from domain.scoring.batch import spatial_order
from domain.user import User

RUN_DATE = date(2025, 12, 3)
REFERENCE = BundledReferenceData()


PAIRS: dict[bool, int] = {}


def plan_all(campaign: Campaign, state: MatchingState, todo: Sequence[User], with_variants: bool) -> float:
    started = time.process_time()
    variants = split_by_variant(campaign, state, todo) if with_variants else NO_VARIANTS
    users = group_by_variant(todo, variants)
    at = at_jst(RUN_DATE, 8)
    planner = ChunkPlanner(state, CampaignRun(campaign.id, RUN_DATE), rank_request(campaign), {},
                           IndustryNamer(REFERENCE), at, None, variants)  # fmt: skip
    pairs = 0
    for start in range(0, len(users), PLAN_CHUNK_USERS):
        pairs += sum(plan.pairs_scored for plan in planner(users[start : start + PLAN_CHUNK_USERS]))
    PAIRS[with_variants] = pairs
    return time.process_time() - started


async def main(args: argparse.Namespace) -> None:
    at = at_jst(RUN_DATE, 8)
    store = InMemoryStore()
    await store_demo_data(InMemoryUnitOfWork(store), build_demo_data(REFERENCE, args.users, args.jobs, args.seed, at))
    campaign = Campaign(uuid.uuid4(), "bench")
    async with InMemoryUnitOfWork(store) as uow:
        state = await load_matching_state(uow, REFERENCE, at, campaign.weights)
    campaign.variants = [
        CampaignVariant(uuid.uuid4(), campaign.id, "A", 50, 0, 1.0, 0.1, 0.0),
        CampaignVariant(uuid.uuid4(), campaign.id, "B", 50, 1, 0.1, 1.0, 0.3, "件名"),
    ]
    todo = [state.audience[i] for i in spatial_order(state.audience)]
    for variants in (False, True):  # warm-up of both on one slice
        plan_all(campaign, state, todo[:PLAN_CHUNK_USERS], variants)
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.repeat):  # alternated, so a change in the machine's load falls on both
        for variants in (False, True):
            times[variants].append(plan_all(campaign, state, todo, variants))
    without, with_variants = min(times[False]), min(times[True])
    print(f"users={len(todo)} jobs={len(state.jobs)} planning CPU s: without variants {without:.2f}, "
          f"two variants {with_variants:.2f}; pairs in reach boxes: {PAIRS[False]:,} and {PAIRS[True]:,}")  # fmt: skip
    print(f"ratio={with_variants / without:.3f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=5_000)
    p.add_argument("--jobs", type=int, default=5_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--repeat", type=int, default=3)
    asyncio.run(main(p.parse_args()))
