"""Partner API keys: the secret is shown once when made; only its SHA-256 is kept.

A secret is 32 random bytes (256 bits), so a fast hash is enough to store it: unlike a password it cannot
be guessed, and a slow hash would cost every request that presents it.
"""

import hashlib
import secrets

# Tells a Mail Score key apart in a partner's configuration (and to secret scanners); not itself secret.
SECRET_PREFIX = "msk_"  # noqa: S105


def new_api_key_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def api_key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
