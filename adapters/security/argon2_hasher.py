"""argon2id password hashes (argon2-cffi, RFC 9106 low-memory profile by default)."""

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    def __init__(self, hasher: _Argon2 | None = None) -> None:
        self._hasher = hasher or _Argon2()
        # Verified against when the account does not exist, so an unknown email costs the same time.
        self._dummy_hash = self._hasher.hash("not a password of anyone")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def verify_dummy(self, password: str) -> None:
        self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return False

    @classmethod
    def fast_for_tests(cls) -> "Argon2PasswordHasher":
        """Still argon2id, with the cost turned down so a test suite stays quick. Never in production."""
        return cls(_Argon2(time_cost=1, memory_cost=1024, parallelism=1))
