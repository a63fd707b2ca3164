"""JwtAccessTokens: what verifies, what does not, and the remembered verifications (which must not change
either answer: an expired token is refused though it was remembered, a forged one is never remembered)."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from adapters.clock import FixedClock
from adapters.security.jwt_tokens import JwtAccessTokens

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
SECRET = b"s" * 32


def test_a_token_reads_back_until_it_expires_even_when_remembered() -> None:
    clock = FixedClock(NOW)
    tokens = JwtAccessTokens(SECRET, clock)
    user = uuid.uuid4()
    issued = tokens.issue(user, "employer")
    first = tokens.read(issued.token)
    assert first is not None
    assert (first.user_id, first.role) == (user, "employer")
    assert tokens.read(issued.token) == first  # remembered
    clock.moment = issued.expires_at
    assert tokens.read(issued.token) is None
    clock.moment = NOW  # the clock going back does not bring back a token that was dropped as expired...
    assert tokens.read(issued.token) == first  # ...it verifies again from scratch, as before remembering


def test_forged_tampered_and_foreign_tokens_are_refused_every_time() -> None:
    clock = FixedClock(NOW)
    tokens = JwtAccessTokens(SECRET, clock)
    issued = tokens.issue(uuid.uuid4(), "user").token
    head, body, signature = issued.split(".")
    tampered = f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    foreign = JwtAccessTokens(b"x" * 32, clock).issue(uuid.uuid4(), "admin").token
    claims = {"sub": str(uuid.uuid4()), "role": "admin", "iat": 1, "exp": 4_102_444_800, "jti": "j"}
    unissued = jwt.encode(claims, SECRET, algorithm="HS256")  # no issuer
    for bad in (tampered, foreign, unissued, "", "not.a.token"):
        assert tokens.read(bad) is None
        assert tokens.read(bad) is None
    assert tokens.read(issued) is not None


def test_remembered_tokens_are_bounded() -> None:
    tokens = JwtAccessTokens(SECRET, FixedClock(NOW), remembered=2)
    issued = [tokens.issue(uuid.uuid4(), "user").token for _ in range(3)]
    for token in issued:
        assert tokens.read(token) is not None
    assert list(tokens._verified) == issued[1:]
    assert tokens.read(issued[0]) is not None  # verified again


def test_the_signing_key_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        JwtAccessTokens(b"short", FixedClock(NOW), timedelta(minutes=1))
