"""Workspace tokens encrypted at rest (Fernet, from `cryptography`): TOKEN_ENCRYPTION_KEY holds
one key or several, comma-separated; the first encrypts, every one decrypts, so a key is
rotated by putting the new one first, re-encrypting (`leader-quiz tokens reencrypt`), then
dropping the old one."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Ciphertexts start with this, so a row written before encryption (or by hand) is recognised.
PREFIX = "fernet:"


def new_key() -> str:
    return Fernet.generate_key().decode()


class TokenCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("no key given")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except (ValueError, TypeError):
            raise ValueError(
                "each key must be 32 url-safe base64-encoded bytes (`leader-quiz keygen`)"
            ) from None

    def encrypt(self, plain: str) -> str:
        return PREFIX + self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            raise ValueError("a stored token is not encrypted")
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise ValueError("a stored token does not decrypt with TOKEN_ENCRYPTION_KEY") from None

    def rotate(self, stored: str) -> str:
        """The same token, encrypted with the first key."""
        return PREFIX + self._fernet.rotate(stored[len(PREFIX) :].encode()).decode()


class EncryptedText(TypeDecorator[str]):
    """A column whose values are encrypted on the way in and decrypted on the way out; the
    database only ever holds ciphertext."""

    impl = Text
    cache_ok = False  # holds a key

    def __init__(self, cipher: TokenCipher) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.cipher.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.cipher.decrypt(value)
