"""Password hashing (argon2id) and the password policy (OWASP ASVS 2.1)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
# ASVS asks that at least 64 characters be accepted; 128 bounds hashing work.
MAX_LENGTH = 128

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "security" / "common_passwords.txt"
# Digits and symbols people put around a common word ("Motdepasse2026!").
_DECORATION = re.compile(r"^[\d\W_]+|[\d\W_]+$")

_hasher = PasswordHasher()  # argon2id with the library's current parameters


def use_hasher(hasher: PasswordHasher) -> None:
    """Swap the parameters (tests use cheap ones; hashes made before get rehashed)."""
    global _hasher
    _hasher = hasher


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, read once (lowercase; comments skipped)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str, related: Iterable[str] = ()) -> bool:
    """True for a listed password, a listed word dressed with digits or symbols, or the user's own name."""
    lowered = password.lower()
    bare = _DECORATION.sub("", lowered)
    listed = common_passwords()
    if lowered in listed or (len(bare) >= 4 and bare in listed):
        return True
    # Repeating one character, or spelling out the account's own e-mail or name.
    if len(set(lowered)) <= 2:
        return True
    return any(word and len(word) >= 4 and word.lower() in (lowered, bare) for word in related)


def policy_problems(password: str, related: Iterable[str] = ()) -> list[str]:
    """What is wrong with ``password`` (empty when acceptable).

    :param related: the account's e-mail and name, refused as passwords.
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Le mot de passe ne peut dépasser {MAX_LENGTH} caractères.")
    if password and is_common(password, related):
        problems.append(
            "Ce mot de passe est trop courant ou trop facile à deviner : choisissez-en un autre "
            "(par exemple une phrase de plusieurs mots)."
        )
    return problems
