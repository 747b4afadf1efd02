"""Columns encrypted at rest: the notes and the freins' details, under keys held outside the database.

A column typed ``EncryptedText`` stores a Fernet token (AES-128-CBC with an
HMAC-SHA256, from the ``cryptography`` package) instead of its text: a copy
of the database — a backup, a dump handed to a provider — reads nothing of
it without the key. The keys come from ``ENCRYPTION_KEYS`` (the environment
variable ``PATHWAYS_ENCRYPTION_KEYS``, comma-separated), or in development
from a file generated once into ``instance/`` like the secret key.

Rotation: the first key encrypts, every key decrypts (``MultiFernet``).
Put a new key first, keep the old ones after it, run
``flask --app wsgi reencrypt`` (every token rewritten under the first key),
then drop the old keys.

Search never reads these columns (no ``LIKE`` on ciphertext): notes and
freins are found through their pathway. The empty string is stored as it is
(it says nothing), so "no text" stays visible to constraints and to the
anonymisation's checks.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.types import TypeDecorator

KEYS_FILE = "encryption_keys"


class KeyMissing(RuntimeError):
    """A stored value was encrypted under a key that ``ENCRYPTION_KEYS`` no longer holds."""


class BadKeys(ValueError):
    """``ENCRYPTION_KEYS`` holds something that is not a Fernet key."""


def parse_keys(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Keys as given (comma-separated text or a list), blanks dropped, order kept."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(item.strip() for item in items if item and item.strip())


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def encryption_keys(instance_path: Path) -> tuple[str, ...]:
    """``PATHWAYS_ENCRYPTION_KEYS`` if set, or a key generated once into ``instance/``.

    Several workers on one machine share the file; several machines (and the
    job consumer) must share the environment variable.
    """
    from_env = parse_keys(os.environ.get("PATHWAYS_ENCRYPTION_KEYS"))
    if from_env:
        return from_env
    from pathways.config import generated_once

    return parse_keys(generated_once(instance_path / KEYS_FILE, new_key).replace("\n", ","))


@lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise BadKeys("Aucune clé de chiffrement : réglez PATHWAYS_ENCRYPTION_KEYS (voir le README).")
    try:
        return MultiFernet([Fernet(key.encode("ascii")) for key in keys])
    except (ValueError, UnicodeEncodeError) as error:
        raise BadKeys(
            "Une clé de PATHWAYS_ENCRYPTION_KEYS n'est pas une clé Fernet (32 octets en base64 url-safe) : "
            "générez-la comme le dit le README."
        ) from error


_default_keys: tuple[str, ...] = ()


def configure(keys: Iterable[str]) -> None:
    """The keys used outside an application context (set by ``create_app``); checked now."""
    global _default_keys
    _default_keys = tuple(keys)
    _keyring(_default_keys)


def current_keys() -> tuple[str, ...]:
    """The application's keys when one is running, else those ``configure`` was last given."""
    from flask import current_app, has_app_context

    if has_app_context():
        configured = current_app.config.get("ENCRYPTION_KEYS")
        if configured:
            return parse_keys(configured)
    return _default_keys


def keyring() -> MultiFernet:
    return _keyring(current_keys())


def encrypt(text: str) -> str:
    return keyring().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return keyring().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise KeyMissing(
            "An encrypted column holds a value no key of ENCRYPTION_KEYS opens: "
            "the key it was written with is missing (see « Clés de chiffrement » in the README)."
        ) from error


def rotate(token: str) -> str:
    """``token`` re-encrypted under the first key (it may have been written under any)."""
    try:
        return keyring().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise KeyMissing("A stored value cannot be opened with any key of ENCRYPTION_KEYS.") from error


class EncryptedText(TypeDecorator[str]):
    """Text stored encrypted (a Fernet token), read back in clear through the ORM and Core alike."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        if value is None or value == "":
            return value
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)


def encrypted_columns(metadata: sa.MetaData) -> list[sa.Column]:
    """Every column of ``metadata`` stored encrypted."""
    return [
        column
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def reencrypt(connection: sa.Connection, metadata: sa.MetaData, *, batch: int = 500) -> dict[str, int]:
    """Rewrite every encrypted value under the first key; returns how many per ``table.column``.

    Reads and writes the raw tokens (plain ``Text`` columns of the same
    tables), so nothing is decrypted into Python objects the ORM tracks.
    """
    counts: dict[str, int] = {}
    for column in encrypted_columns(metadata):
        table = column.table
        key = next(iter(table.primary_key.columns))
        raw = sa.column(column.name, sa.Text)
        plain_table = sa.table(table.name, sa.column(key.name), raw)
        done = 0
        last: object = None
        while True:
            query = sa.select(plain_table.c[key.name], raw).where(raw.is_not(None), raw != "")
            if last is not None:
                query = query.where(plain_table.c[key.name] > last)
            rows = connection.execute(query.order_by(plain_table.c[key.name]).limit(batch)).all()
            if not rows:
                break
            for row_id, token in rows:
                connection.execute(
                    sa.update(plain_table)
                    .where(plain_table.c[key.name] == row_id)
                    .values({column.name: rotate(token)})
                )
            done += len(rows)
            last = rows[-1][0]
        counts[f"{table.name}.{column.name}"] = done
    return counts
