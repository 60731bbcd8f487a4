"""Stored credentials: encrypted, purpose-bound, and readable across a key rotation."""

from __future__ import annotations

import pytest

from auth.secret_box import SecretBox, UndecryptableSecret


def test_a_secret_round_trips_and_is_not_stored_in_clear() -> None:
    box = SecretBox(["key-one"], "tool-credentials")
    token = box.encrypt("sk-live-abc123")
    assert "sk-live-abc123" not in token
    assert box.decrypt(token) == "sk-live-abc123"
    assert box.encrypt("sk-live-abc123") != token  # fresh IV every time


def test_a_rotated_key_still_reads_old_values_and_rotate_moves_them() -> None:
    old = SecretBox(["key-one"], "tool-credentials")
    token = old.encrypt("oauth-refresh-token")
    new = SecretBox(["key-two", "key-one"], "tool-credentials")
    assert new.decrypt(token) == "oauth-refresh-token"
    rotated = new.rotate(token)
    assert SecretBox(["key-two"], "tool-credentials").decrypt(rotated) == "oauth-refresh-token"
    with pytest.raises(UndecryptableSecret, match="PREVIOUS_SECRET_KEYS"):
        SecretBox(["key-two"], "tool-credentials").decrypt(token)


def test_keys_are_bound_to_their_purpose() -> None:
    token = SecretBox(["key-one"], "tool-credentials").encrypt("x")
    with pytest.raises(UndecryptableSecret):
        SecretBox(["key-one"], "something-else").decrypt(token)
