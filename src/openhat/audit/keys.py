"""The two secrets that make the hash chains unforgeable from inside the database.

- The chain key: every chained row's hash is HMAC-SHA-256 with it, so a database user who
  changes a row cannot compute a hash that fits. Its id (a digest of the key, never the key) is
  stored on each row, so rows written under a retired key still verify after a rotation.
- The checkpoint signing key (Ed25519): it signs the heads of the chains written outside the
  database (`audit.checkpoints`).

In production both come from outside the data directory: `OPENHAT_CHAIN_KEY` (hex) or
`OPENHAT_CHAIN_KEY_FILE`, retired keys in `OPENHAT_CHAIN_RETIRED_KEYS`, and
`OPENHAT_CHECKPOINT_SIGNING_KEY_FILE` (PEM). In development and the demo they are generated into
`var/keys/` on first use. docs/chains.md describes rotation.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from openhat.core.env import env_list, env_str

KEY_BYTES = 32


def key_id_of(secret: bytes) -> str:
    """A short public name for a chain key: a digest of it, so the id reveals nothing."""
    return hashlib.sha256(b"openhat chain key id\x00" + secret).hexdigest()[:12]


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    keys: dict[str, bytes]

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]

    def key(self, key_id: str) -> bytes | None:
        return self.keys.get(key_id)


def _secret_from_hex(text: str, source: str) -> bytes:
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{source} is not hexadecimal") from None
    if len(secret) < KEY_BYTES:
        raise ImproperlyConfigured(
            f"{source} must hold at least {KEY_BYTES} bytes ({KEY_BYTES * 2} hex digits)"
        )
    return secret


def _keys_dir() -> Path:
    return Path(settings.VAR_DIR) / "keys"


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    # O_EXCL: two processes starting at once never overwrite each other's fresh key.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _development_chain_key() -> bytes:
    path = _keys_dir() / "chain-key"
    if not path.exists():
        _write_private(path, os.urandom(KEY_BYTES).hex().encode() + b"\n")
    return _secret_from_hex(path.read_text(), str(path))


@cache
def chain_keys() -> KeyRing:
    """The current chain key and every retired one still needed to verify old rows."""
    retired = [
        _secret_from_hex(text, "OPENHAT_CHAIN_RETIRED_KEYS")
        for text in env_list("OPENHAT_CHAIN_RETIRED_KEYS")
    ]
    direct = env_str("OPENHAT_CHAIN_KEY")
    key_file = env_str("OPENHAT_CHAIN_KEY_FILE")
    if direct and key_file:
        raise ImproperlyConfigured("set OPENHAT_CHAIN_KEY or OPENHAT_CHAIN_KEY_FILE, not both")
    if direct:
        current = _secret_from_hex(direct, "OPENHAT_CHAIN_KEY")
    elif key_file:
        # First line: the current key; further lines: retired keys.
        lines = [line for line in Path(key_file).read_text().splitlines() if line.strip()]
        if not lines:
            raise ImproperlyConfigured(f"OPENHAT_CHAIN_KEY_FILE {key_file} is empty")
        current = _secret_from_hex(lines[0], "OPENHAT_CHAIN_KEY_FILE")
        retired += [_secret_from_hex(line, "OPENHAT_CHAIN_KEY_FILE") for line in lines[1:]]
    elif settings.PRODUCTION:
        raise ImproperlyConfigured(
            "production mode needs OPENHAT_CHAIN_KEY or OPENHAT_CHAIN_KEY_FILE (kept outside the "
            "database and its data directory)"
        )
    else:
        current = _development_chain_key()
    keys = {key_id_of(secret): secret for secret in retired}
    keys[key_id_of(current)] = current
    return KeyRing(key_id_of(current), keys)


def _development_signing_key() -> Ed25519PrivateKey:
    path = _keys_dir() / "checkpoint-signing-key.pem"
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(path, pem)
    return _load_signing_key(path)


def _load_signing_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key")
    return key


@cache
def signing_key() -> Ed25519PrivateKey:
    key_file = env_str("OPENHAT_CHECKPOINT_SIGNING_KEY_FILE")
    if key_file:
        return _load_signing_key(Path(key_file))
    if settings.PRODUCTION:
        raise ImproperlyConfigured(
            "production mode needs OPENHAT_CHECKPOINT_SIGNING_KEY_FILE (an Ed25519 key in PEM)"
        )
    return _development_signing_key()


def public_key_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


@cache
def trusted_public_keys() -> dict[str, Ed25519PublicKey]:
    """The signing key's public half, and retired ones (OPENHAT_CHECKPOINT_TRUSTED_KEYS, hex)."""
    trusted = {public_key_hex(signing_key().public_key()): signing_key().public_key()}
    for text in env_list("OPENHAT_CHECKPOINT_TRUSTED_KEYS"):
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
        except ValueError:
            raise ImproperlyConfigured(
                f"OPENHAT_CHECKPOINT_TRUSTED_KEYS: {text!r} is not a 32-byte hex public key"
            ) from None
        trusted[public_key_hex(key)] = key
    return trusted


def forget_keys() -> None:
    """Drop the cached keys (tests that change the environment)."""
    chain_keys.cache_clear()
    signing_key.cache_clear()
    trusted_public_keys.cache_clear()
