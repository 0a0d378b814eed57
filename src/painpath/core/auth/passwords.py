"""Password hashing with argon2 (pwdlib's recommended parameters)."""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


def verify_against_nobody(password: str) -> None:
    """The same work as a real check, for a username that does not exist: the answer takes as long either way."""
    _hasher.verify(password, _dummy_hash())


@cache
def _dummy_hash() -> str:
    # Made on first need, not at import: hashing costs a quarter of a second of every process's start-up.
    return _hasher.hash("painpath-timing-equalizer")
