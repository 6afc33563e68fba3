"""Password hashing with argon2id."""

import logging
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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


def verify_password(stored_hash: str | None, password: str, *,
                    account: str | None = None) -> bool:
    """Whether `password` matches `stored_hash` (of the account named `account`, for the log)."""
    # (an account without a password is checked against the dummy hash all the same, so that
    # timing does not tell which accounts have none)
    usable = stored_hash is not None and not stored_hash.startswith(UNUSABLE_PREFIX)
    try:
        return _hasher.verify(stored_hash if usable else _DUMMY, password) and usable
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError) as error:
        # A stored hash this library cannot read (edited by hand, brought from another
        # system): no password matches it, as before, but its user could never log in and
        # nobody would know why. Said in the log for IT staff; and a verification's time is
        # spent all the same, so that the answer's time does not single such accounts out.
        logging.getLogger(__name__).error(
            "the stored password hash of %s cannot be read (%s): no password matches it; "
            "set a new one with `flask set-password`", account or "an account",
            type(error).__name__)
        try:
            _hasher.verify(_DUMMY, password)
        except VerificationError:
            pass
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
