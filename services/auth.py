"""Bearer tokens (HMAC-signed, with role and expiry) and keyed pseudonyms of subjects.

Keys come from settings in production; in development they are created once in the data
directory (`keys/`, mode 0600) so `samskab token create` and the API agree.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from events.base import Role
from services.platform.settings import ApiSettings, PseudonymKey

TOKEN_PREFIX = "sk1"
TOKEN_ROLES = (Role.CITIZEN, Role.STAFF, Role.ADMIN, Role.AUDITOR)


class KeysNotFound(Exception):
    """The keys are neither configured nor in the data directory (and were not to be made)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(f"no keys in {directory}")
        self.directory = directory


class InvalidToken(Exception):
    """Missing, malformed, forged or expired: the message says which."""


class TokenExpired(InvalidToken):
    """A token that was valid and no longer is: sign in again."""


@dataclass(frozen=True)
class Keys:
    signing: bytes
    pseudonym: bytes


@dataclass(frozen=True)
class Principal:
    subject: str  # the keyed pseudonym, never the raw name
    role: Role


def load_keys(settings: ApiSettings, create: bool = True) -> Keys:
    """The configured keys, else those in the data directory; a missing one is made there only
    with `create` (otherwise KeysNotFound, and nothing is made)."""
    return Keys(
        signing=_key(settings, "signing", _secret(settings.signing_key), create),
        pseudonym=load_pseudonym_key(settings, create),
    )


def load_pseudonym_key(settings: PseudonymKey, create: bool = True) -> bytes:
    """The pseudonym key alone, for what pseudonymises and signs nothing (the imports, erasure)."""
    return _key(settings, "pseudonym", _secret(settings.pseudonym_key), create)


def _key(
    settings: PseudonymKey | ApiSettings, name: str, configured: str | None, create: bool
) -> bytes:
    if configured is not None:
        return configured.encode()
    if settings.env == "production":
        raise RuntimeError(f"{name} key must be configured in production")
    path = settings.data_dir / "keys" / f"{name}.key"
    if not create and not path.is_file():
        raise KeysNotFound(path.parent.resolve())
    return _key_file(path)


def _secret(value: object) -> str | None:
    get = getattr(value, "get_secret_value", None)
    return str(get()) if get is not None else None


def _key_file(path: Path) -> bytes:
    """The key stored at `path`, made on first use. Several processes may start at once on one
    data directory (two API replicas, `make run` restarting a child): the first to link its key
    into place wins and every other one reads that key, so all of them sign with the same one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "w") as out:  # mkstemp creates it readable by the owner only
                out.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip().encode()


def pseudonym(key: bytes, subject: str) -> str:
    """The keyed pseudonym (HMAC-SHA256 with the pseudonym key) that stands for `subject` in
    events."""
    return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()[:32]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def create_token(
    keys: Keys, subject: str, role: Role, ttl_seconds: int, now: float | None = None
) -> str:
    issued = int(now if now is not None else time.time())
    payload = _b64(
        orjson.dumps(
            {"sub": subject, "role": role.value, "iat": issued, "exp": issued + ttl_seconds}
        )
    )
    signed = f"{TOKEN_PREFIX}.{payload}"
    signature = _b64(hmac.new(keys.signing, signed.encode(), hashlib.sha256).digest())
    return f"{signed}.{signature}"


def verify_token(keys: Keys, token: str, now: float | None = None) -> Principal:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise InvalidToken("malformed token")
    expected = hmac.new(keys.signing, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    try:
        given = _unb64(parts[2])
        claims = orjson.loads(_unb64(parts[1]))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidToken("malformed token") from exc
    if not hmac.compare_digest(expected, given):
        raise InvalidToken("token signature is not valid")
    if not isinstance(claims, dict) or claims.get("role") not in {r.value for r in TOKEN_ROLES}:
        raise InvalidToken("token has no valid role")
    if float(claims.get("exp", 0)) < (now if now is not None else time.time()):
        raise TokenExpired("token has expired")
    return Principal(
        subject=pseudonym(keys.pseudonym, str(claims["sub"])), role=Role(claims["role"])
    )
