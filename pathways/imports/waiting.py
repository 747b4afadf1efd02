"""A verified file waiting for its confirmation, kept encrypted on the server.

Between the verification and the confirmation the file stays on disk, but
only as AES-256-GCM ciphertext under a key drawn for it and held in the
uploader's session cookie, never on the server: a copy of the folder (a
backup, another process) reads nothing. The plain file exists only for the
time of a request, in a temporary file deleted before the response.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class Unreadable(Exception):
    """The waiting file or its key is missing, altered or from another upload."""


def seal(plain: Path, target: Path) -> str:
    """Write ``plain`` encrypted to ``target``; returns the key (to keep in the session only)."""
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    target.write_bytes(nonce + AESGCM(key).encrypt(nonce, plain.read_bytes(), target.name.encode()))
    return base64.urlsafe_b64encode(key).decode()


@contextmanager
def unsealed(sealed: Path, key: str, folder: Path) -> Iterator[Path]:
    """The plain file of ``sealed`` in a temporary file, deleted when the block ends."""
    try:
        blob = sealed.read_bytes()
        raw_key = base64.urlsafe_b64decode(key.encode())
        plain = AESGCM(raw_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], sealed.name.encode())
    except (OSError, ValueError, InvalidTag) as error:
        raise Unreadable() from error
    temporary = folder / f"{secrets.token_urlsafe(18)}.tmp"
    try:
        temporary.write_bytes(plain)
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)
