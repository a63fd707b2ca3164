"""Access tokens as HS256 JWTs (PyJWT): claims sub, role, exp, iat, jti; 15 minutes by default."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt

from application.ports import AccessClaims, AccessToken, Clock

ALGORITHM = "HS256"
ACCESS_LIFETIME = timedelta(minutes=15)
ISSUER = "mailscore"


class JwtAccessTokens:
    def __init__(self, secret: bytes, clock: Clock, lifetime: timedelta = ACCESS_LIFETIME) -> None:
        if len(secret) < 32:
            raise ValueError("the signing key needs at least 32 bytes")
        self._secret = secret
        self._clock = clock
        self._lifetime = lifetime

    def issue(self, user_id: uuid.UUID, role: str) -> AccessToken:
        now = self._clock.now()
        expires_at = now + self._lifetime
        claims = {
            "sub": str(user_id), "role": role, "iat": int(now.timestamp()), "exp": int(expires_at.timestamp()),
            "jti": uuid.uuid4().hex, "iss": ISSUER,
        }  # fmt: skip
        return AccessToken(jwt.encode(claims, self._secret, algorithm=ALGORITHM), expires_at)

    def read(self, token: str) -> AccessClaims | None:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], issuer=ISSUER,
                options={"require": ["sub", "role", "exp", "iat", "jti"], "verify_exp": False},
            )  # fmt: skip
            expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
            # Expiry against our clock, not the wall clock, so tests with a fixed clock agree with us.
            if expires_at <= self._clock.now():
                return None
            return AccessClaims(uuid.UUID(str(claims["sub"])), str(claims["role"]), expires_at, str(claims["jti"]))
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            return None
