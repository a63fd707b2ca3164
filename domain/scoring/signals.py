"""What behaviour says: per-user affinities and what similar users did, from recent actions.

Recent actions count more (exponential decay). A user's cohort, the people taken to be similar, is
everyone with the same home prefecture and the same first wished job type.

A run holds tens of thousands of users and hundreds of thousands of actions, so the signals are built
column-wise: each action becomes a (user row, job column, weight) triple, and the sums per (user, job),
(user, job type), (user, industry) and (cohort, job) are numpy group-bys kept as compressed rows (`Rows`).
The batch scorer reads those rows directly (`domain.scoring.tables`); the one-user path asks for a
`UserProfile` of plain dictionaries built from the same rows, so both see the same numbers.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from domain.action import ACTION_WEIGHTS, Action, ActionEvent, ActionKind
from domain.job import Job
from domain.jst import as_utc
from domain.scoring.model import DECAY_DAYS
from domain.text import normalize
from domain.user import User

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

_KINDS = list(ActionKind)
_KIND_CODE = {kind: code for code, kind in enumerate(_KINDS)}
_KIND_WEIGHT = np.array([ACTION_WEIGHTS[kind] for kind in _KINDS], dtype=np.float64)
_EXCLUDING = np.array([kind in (ActionKind.APPLY, ActionKind.DISMISS) for kind in _KINDS], dtype=bool)


@dataclass
class UserProfile:
    type_affinity: dict[str, float] = field(default_factory=dict)  # normalised job type -> weight
    industry_affinity: dict[str, float] = field(default_factory=dict)  # JSIC middle code -> weight
    job_interest: dict[uuid.UUID, float] = field(default_factory=dict)
    excluded: set[uuid.UUID] = field(default_factory=set)  # applied or dismissed
    has_history: bool = False


@dataclass(frozen=True)
class Rows:
    """Compressed rows: row r holds columns `cols[ptr[r]:ptr[r + 1]]` (ascending) with their `vals`."""

    ptr: I64
    cols: I64
    vals: F64

    @classmethod
    def empty(cls, n_rows: int) -> "Rows":
        return cls(np.zeros(n_rows + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))

    @classmethod
    def summed(cls, rows: I64, cols: I64, weights: F64, n_rows: int, n_cols: int) -> "Rows":
        """The sum of `weights` per (row, col), added in the order given."""
        if not len(rows):
            return cls.empty(n_rows)
        keys, at = np.unique(rows * np.int64(max(1, n_cols)) + cols, return_inverse=True)
        vals: F64 = np.bincount(at.ravel(), weights=weights, minlength=len(keys)).astype(np.float64, copy=False)
        return cls._of(keys // max(1, n_cols), keys % max(1, n_cols), vals, n_rows)

    @classmethod
    def _of(cls, rows: I64, cols: I64, vals: F64, n_rows: int) -> "Rows":
        """From entries sorted by (row, col)."""
        ptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=ptr[1:])
        return cls(ptr, cols.astype(np.int64, copy=False), vals.astype(np.float64, copy=False))

    @property
    def n_rows(self) -> int:
        return len(self.ptr) - 1

    def row(self, r: int) -> tuple[I64, F64]:
        return self.cols[self.ptr[r] : self.ptr[r + 1]], self.vals[self.ptr[r] : self.ptr[r + 1]]

    def take(self, rows: I64) -> tuple[I64, I64, F64]:
        """(position in `rows`, col, val) of every entry of the rows asked for, in that order; -1 asks for none."""
        has = rows >= 0
        if not self.n_rows or not has.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        r = np.where(has, rows, 0)
        start = self.ptr[r]
        length = np.where(has, self.ptr[r + 1] - start, 0)
        first = np.cumsum(length) - length
        at = np.arange(int(length.sum()), dtype=np.int64) + np.repeat(start - first, length)
        return np.repeat(np.arange(len(rows), dtype=np.int64), length), self.cols[at], self.vals[at]

    def marked(self) -> "Rows":
        """The same entries, each valued 1."""
        return Rows(self.ptr, self.cols, np.ones(len(self.cols)))

    def remap(self, col_map: I64) -> "Rows":
        """The same rows with each col replaced by `col_map[col]`, entries mapped to -1 dropped, re-sorted."""
        rows = np.repeat(np.arange(self.n_rows, dtype=np.int64), np.diff(self.ptr))
        cols = col_map[self.cols] if len(self.cols) else np.zeros(0, dtype=np.int64)
        keep = cols >= 0
        rows, cols, vals = rows[keep], cols[keep], self.vals[keep]
        order = np.lexsort((cols, rows))
        return Rows._of(rows[order], cols[order], vals[order], self.n_rows)


@dataclass(frozen=True)
class Signals:
    """Behaviour of one run's users. Rows of `interest`, `excluded`, `types` and `middles` are users with
    history (`user_row`, keyed by `UUID.int`); their columns are `job_ids`, `type_names`, `middle_names`.
    Rows of `cohort_jobs` are cohorts (`cohort_names`); `cohort_of` maps every user given to its cohort."""

    user_row: dict[int, int]
    job_ids: list[uuid.UUID]
    interest: Rows
    excluded: Rows  # applied or dismissed; values 1
    type_names: list[str]
    types: Rows
    middle_names: list[str]
    middles: Rows
    cohort_of: dict[int, int]  # UUID.int of a user -> cohort row
    cohort_names: list[str]
    cohort_jobs: Rows

    def rows_of(self, users: Sequence[User]) -> I64:
        """Each user's row, -1 for a user with no history."""
        get = self.user_row.get
        return np.array([get(u.id.int, -1) for u in users], dtype=np.int64)

    def cohorts_of(self, users: Sequence[User]) -> I64:
        get = self.cohort_of.get
        return np.array([get(u.id.int, -1) for u in users], dtype=np.int64)

    def profile(self, user_id: uuid.UUID) -> UserProfile:
        r = self.user_row.get(user_id.int)
        if r is None:
            return UserProfile()
        names = self.job_ids
        cols, vals = self.interest.row(r)
        gone, _ = self.excluded.row(r)
        type_cols, type_vals = self.types.row(r)
        middle_cols, middle_vals = self.middles.row(r)
        return UserProfile(
            type_affinity={self.type_names[c]: v for c, v in zip(type_cols.tolist(), type_vals.tolist(), strict=True)},
            industry_affinity={
                self.middle_names[c]: v for c, v in zip(middle_cols.tolist(), middle_vals.tolist(), strict=True)
            },
            job_interest={names[c]: v for c, v in zip(cols.tolist(), vals.tolist(), strict=True)},
            excluded={names[c] for c in gone.tolist()},
            has_history=True,
        )

    def similar(self, user_id: uuid.UUID) -> Mapping[uuid.UUID, float]:
        cohort = self.cohort_of.get(user_id.int)
        if cohort is None:
            return {}
        cols, vals = self.cohort_jobs.row(cohort)
        return {self.job_ids[c]: v for c, v in zip(cols.tolist(), vals.tolist(), strict=True)}

    def job_positions(self, index: Mapping[uuid.UUID, int]) -> I64:
        """For each job column, that job's position in `index`, or -1."""
        return np.array([index.get(job_id, -1) for job_id in self.job_ids], dtype=np.int64)


def industry_middle(code: str | None) -> str | None:
    """JSIC middle class (two digits) of a code at any level below major; None for a major letter."""
    if not code or not code[:2].isdigit():
        return None
    return code[:2]


def cohort_key(user: User) -> str:
    prefecture = user.address.prefecture_code if user.address else "--"
    types = user.wishes.normalized_job_types
    return f"{prefecture}|{types[0] if types else ''}"


def _codes(values: Iterable[int], codes: dict[int, int]) -> I64:
    """Each value's code, numbered by first appearance (`codes` is filled in)."""
    return np.array([codes.setdefault(v, len(codes)) for v in values], dtype=np.int64)


def build_signals(
    users: Iterable[User], actions: Iterable[Action | ActionEvent], jobs: Mapping[uuid.UUID, Job], now: datetime
) -> Signals:
    names: dict[str, int] = {}
    cohort_of = {u.id.int: names.setdefault(cohort_key(u), len(names)) for u in users}
    actions = actions if isinstance(actions, list) else list(actions)
    user_row: dict[int, int] = {}
    rows = _codes([a.user_id.int for a in actions], user_row)
    by_int = {a.job_id.int: a.job_id for a in actions}  # first appearance order, as `_codes` numbers them
    job_col: dict[int, int] = {}
    cols = _codes([a.job_id.int for a in actions], job_col)
    job_ids = list(by_int.values())
    moments = [a.occurred_at for a in actions]
    seconds = np.array([t.timestamp() if t.tzinfo else as_utc(t).timestamp() for t in moments])
    kinds = np.array([_KIND_CODE[a.kind] for a in actions], dtype=np.int64)
    age_days = np.maximum(0.0, (as_utc(now).timestamp() - seconds) / 86400.0)
    weights = _KIND_WEIGHT[kinds] * np.exp(-age_days / DECAY_DAYS) if len(actions) else np.zeros(0)
    n_users, n_jobs = len(user_row), len(job_ids)

    # What an action's job says, worked out once per job rather than once per action.
    type_code: dict[str, int] = {}
    middle_code: dict[str, int] = {}
    job_type = np.full(n_jobs, -1, dtype=np.int64)
    job_middle = np.full(n_jobs, -1, dtype=np.int64)
    for c, job_id in enumerate(job_ids):
        job = jobs.get(job_id)
        if job is None:
            continue
        kind, middle = normalize(job.job_type), industry_middle(job.industry)
        if kind:
            job_type[c] = type_code.setdefault(kind, len(type_code))
        if middle is not None:
            job_middle[c] = middle_code.setdefault(middle, len(middle_code))

    excluding = _EXCLUDING[kinds] if len(actions) else np.zeros(0, dtype=bool)
    typed, at_middle = job_type[cols] >= 0, job_middle[cols] >= 0
    cohort_row = np.array([cohort_of.get(u, -1) for u in user_row], dtype=np.int64)
    in_cohort = cohort_row[rows] >= 0 if n_users else np.zeros(0, dtype=bool)
    return Signals(
        user_row=user_row,
        job_ids=job_ids,
        interest=Rows.summed(rows, cols, weights, n_users, n_jobs),
        excluded=Rows.summed(rows[excluding], cols[excluding], weights[excluding], n_users, n_jobs).marked(),
        type_names=list(type_code),
        types=Rows.summed(rows[typed], job_type[cols[typed]], weights[typed], n_users, len(type_code)),
        middle_names=list(middle_code),
        middles=Rows.summed(
            rows[at_middle], job_middle[cols[at_middle]], weights[at_middle], n_users, len(middle_code)
        ),
        cohort_of=cohort_of,
        cohort_names=list(names),
        cohort_jobs=Rows.summed(cohort_row[rows[in_cohort]], cols[in_cohort], weights[in_cohort], len(names), n_jobs),
    )
