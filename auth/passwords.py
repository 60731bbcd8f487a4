"""Argon2 password hashing and the password policy."""

from __future__ import annotations

from pwdlib import PasswordHash

__all__ = ["MAX_PASSWORD", "MIN_PASSWORD", "hash_password", "password_problem", "verify_password"]

MIN_PASSWORD = 10
MAX_PASSWORD = 128
_hasher = PasswordHash.recommended()
# Verifying against this keeps "unknown e-mail" as slow as "wrong password".
_DUMMY_HASH = _hasher.hash("autocrm-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    if password.strip() == "" or len(set(password)) < 4:
        return "This password is too easy to guess: mix more different characters."
    return None
