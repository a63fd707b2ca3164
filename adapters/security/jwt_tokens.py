"""Access tokens as HS256 JWTs (PyJWT): claims sub, role, exp, iat, jti; 15 minutes by default.

A token that verified is remembered (by its exact text, up to `remembered` tokens) with its claims, so a
client's next requests skip decoding and the signature check; its expiry is still checked every time.
Nothing revokes an access token before it expires, so a remembered one stays as valid as it was.
"""

import uuid
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

import jwt

from application.ports import AccessClaims, AccessToken, Clock

ALGORITHM = "HS256"
ACCESS_LIFETIME = timedelta(minutes=15)
ISSUER = "mailscore"


class JwtAccessTokens:
    def __init__(
        self, secret: bytes, clock: Clock, lifetime: timedelta = ACCESS_LIFETIME, remembered: int = 10_000
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the signing key needs at least 32 bytes")
        self._secret = secret
        self._clock = clock
        self._lifetime = lifetime
        self._remembered = remembered
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    def issue(self, user_id: uuid.UUID, role: str) -> AccessToken:
        now = self._clock.now()
        expires_at = now + self._lifetime
        claims = {
            "sub": str(user_id), "role": role, "iat": int(now.timestamp()), "exp": int(expires_at.timestamp()),
            "jti": uuid.uuid4().hex, "iss": ISSUER,
        }  # fmt: skip
        return AccessToken(jwt.encode(claims, self._secret, algorithm=ALGORITHM), expires_at)

    def read(self, token: str) -> AccessClaims | None:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if claims is None:
                return None
            self._verified[token] = claims
            while len(self._verified) > self._remembered:
                self._verified.popitem(last=False)
        # Expiry against our clock, not the wall clock, so tests with a fixed clock agree with us.
        if claims.expires_at <= self._clock.now():
            self._verified.pop(token, None)
            return None
        return claims

    def _verify(self, token: str) -> AccessClaims | None:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], issuer=ISSUER,
                options={"require": ["sub", "role", "exp", "iat", "jti"], "verify_exp": False},
            )  # fmt: skip
            expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
            return AccessClaims(uuid.UUID(str(claims["sub"])), str(claims["role"]), expires_at, str(claims["jti"]))
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            return None
