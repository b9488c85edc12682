"""AES-256-GCM under a key ring. Every value records the id of the key that sealed it, and
the caller binds the value to its row (associated data), so a ciphertext copied into
another row does not open."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
NONCE_BYTES = 12


class DecryptError(Exception):
    """The value was tampered with, moved to another row, or sealed by an unknown key."""


@dataclass(frozen=True, slots=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes

    def to_bytes(self) -> bytes:
        key_id = self.key_id.encode()
        return bytes([FORMAT_VERSION, len(key_id)]) + key_id + self.nonce + self.ciphertext

    @classmethod
    def from_bytes(cls, raw: bytes) -> Sealed:
        if len(raw) < 2 or raw[0] != FORMAT_VERSION:
            raise DecryptError("unknown ciphertext format")
        end = 2 + raw[1]
        key_id = raw[2:end].decode()
        return cls(key_id, raw[end : end + NONCE_BYTES], raw[end + NONCE_BYTES :])


class KeyRing:
    """`reload`, when given, reads the keys again (the active one first). A value sealed
    under a key the ring does not hold makes it reload once before giving up: after
    `keerpunt keys rotate` a running server reads the re-sealed values, and from then on
    seals under the new key too, without a restart."""

    def __init__(
        self,
        keys: dict[str, bytes],
        active: str | None = None,
        *,
        reload: Callable[[], dict[str, bytes]] | None = None,
    ) -> None:
        self._set(keys, active)
        self._reload = reload

    def _set(self, keys: dict[str, bytes], active: str | None) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        active = active if active is not None else next(iter(keys))
        if active not in ciphers:
            raise ValueError(f"active key {active!r} is not in the ring")
        self._ciphers, self.active = ciphers, active

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    @staticmethod
    def generate_key() -> bytes:
        return AESGCM.generate_key(bit_length=256)

    @staticmethod
    def encode_spec(keys: dict[str, bytes]) -> str:
        return ",".join(f"{k}:{base64.urlsafe_b64encode(v).decode()}" for k, v in keys.items())

    @classmethod
    def ephemeral(cls) -> KeyRing:
        return cls({f"dev-{secrets.token_hex(3)}": cls.generate_key()})

    def seal(self, plaintext: str, aad: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._ciphers[self.active].encrypt(nonce, plaintext.encode(), aad)
        return Sealed(self.active, nonce, ciphertext)

    def open(self, sealed: Sealed, aad: bytes) -> str:
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None and self._reload is not None:
            try:
                self._set(self._reload(), None)
            except Exception as exc:  # a broken key file: the value stays unreadable
                raise DecryptError(f"no key {sealed.key_id!r} in the ring") from exc
            cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise DecryptError(f"no key {sealed.key_id!r} in the ring")
        try:
            return cipher.decrypt(sealed.nonce, sealed.ciphertext, aad).decode()
        except InvalidTag as exc:
            raise DecryptError("ciphertext does not open with this key and row") from exc

    def reseal(self, sealed: Sealed, aad: bytes) -> Sealed | None:
        """The value sealed anew under the active key, or None when it is already."""
        if sealed.key_id == self.active:
            return None
        return self.seal(self.open(sealed, aad), aad)
