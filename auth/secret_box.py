"""Encryption at rest for stored credentials (tool API keys, OAuth tokens and secrets).

Keys are derived (HKDF-SHA256) from the installation's secret key, one purpose label per
use, so a leaked tool token reveals nothing about session signing. Rotation: configure the
new secret key and keep the old one in the list of previous keys; everything still
decrypts, and `rotate` re-encrypts a value under the newest key.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["SecretBox", "UndecryptableSecret"]


class UndecryptableSecret(Exception):
    """Stored with a key that is no longer configured (or tampered with)."""


def _derive(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"autocrm:{purpose}".encode()
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class SecretBox:
    def __init__(self, secret_keys: Sequence[str], purpose: str) -> None:
        """`secret_keys`: the current key first, then previous ones still accepted."""
        if not secret_keys:
            raise ValueError("SecretBox needs at least one secret key")
        self._box = MultiFernet([_derive(k, purpose) for k in secret_keys])

    def encrypt(self, plaintext: str) -> str:
        return self._box.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._box.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            raise UndecryptableSecret(
                "A stored credential cannot be decrypted with the configured secret keys; "
                "add the previous SECRET_KEY to PREVIOUS_SECRET_KEYS or re-enter it."
            ) from exc

    def rotate(self, token: str) -> str:
        """The same secret, encrypted under the current key."""
        try:
            return self._box.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise UndecryptableSecret("A stored credential cannot be rotated.") from exc
