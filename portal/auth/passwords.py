"""Password hashing with argon2id."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8  # characters: a password set by a user or by staff (create-user)
MAX_LENGTH = 512  # what the login form takes

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not tell who exists.
_DUMMY = _hasher.hash("not a real password")


# What an account no password was given for stores (an imported one): no hash, so no password
# matches it, and random, so no two accounts share it (a session's id carries its end). It
# costs nothing to make, where hashing a random password took 0.1 s an account: an hour for
# a county's students.
UNUSABLE_PREFIX = "!"


def acceptable(password: str) -> bool:
    """Whether a password may be set: MIN_LENGTH to MAX_LENGTH characters, not only spaces
    (the password page's rule, for create-user and import-users too)."""
    return MIN_LENGTH <= len(password) <= MAX_LENGTH and bool(password.strip())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def unusable_password() -> str:
    return UNUSABLE_PREFIX + secrets.token_urlsafe(24)


def verify_password(stored_hash: str | None, password: str) -> bool:
    # (an account without a password is checked against the dummy hash all the same, so that
    # timing does not tell which accounts have none)
    usable = stored_hash is not None and not stored_hash.startswith(UNUSABLE_PREFIX)
    try:
        return _hasher.verify(stored_hash if usable else _DUMMY, password) and usable
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
