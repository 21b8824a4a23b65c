"""Encryption of personal fields at rest (free text, names, queued message bodies).

MultiFernet with the keys from `DUWTJE_ENCRYPTION_KEYS`, newest first: new values are encrypted
with the newest key, old values stay readable until they are rotated.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DecryptionError(Exception):
    """A stored value could not be decrypted with any of the configured keys."""


class FieldCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])
        # A key for pseudonyms, derived from the newest key and never stored.
        self._pseudonym_key = hashlib.sha256(b"duwtje pseudonym\0" + keys[0].encode()).digest()

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise DecryptionError(
                "a stored value cannot be decrypted: is an old key missing from "
                "DUWTJE_ENCRYPTION_KEYS?"
            ) from None

    def encrypt_bytes(self, value: bytes) -> str:
        return self._fernet.encrypt(value).decode("ascii")

    def decrypt_bytes(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode("ascii"))
        except InvalidToken:
            raise DecryptionError("a stored file cannot be decrypted") from None

    def encrypt_optional(self, value: str | None) -> str | None:
        return None if value is None else self.encrypt(value)

    def pseudonym(self, value: str) -> str:
        """The same value always gives the same 64 hex characters, which say nothing without
        the key (HMAC-SHA256): for counting someone once without storing who they are. A key
        rotation changes them, so use them only for what is short-lived (a meeting's RSVPs)."""
        return hmac.new(self._pseudonym_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored value with the newest key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")
