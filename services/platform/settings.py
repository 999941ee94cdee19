"""Settings of the Samskab services, validated at start and built once in `main`.

`Settings` is what every service reads: the database, Kafka, logs, ports and thresholds. A
secret is a part that only the services using it compose, so a process never asks for, reads
or holds a key it has no use for:

    Settings        the relay, the projections, the scheduler; migrate, topics, replay, audit
    ApiSettings     TokenKeys and PseudonymKey: the API, and the commands that pseudonymise
                    (`token create`, `census import`, `pabulib import`, `erase`)
    CheckpointKey   the checkpoints service and `audit public-key`
    SystemSettings  every part: `samskab run`, which starts every service

Secrets can come from the environment or, as containers mount them, from files: every secret
`X` also reads `X_FILE` (a path; the file's content, trailing newline removed, is the value).
Production refuses to start without the secrets of the parts composed and switches `auto` logs
to JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from events.topology import Topology
from services.texts.wording import Wording

# Shorter keys are refused in production.
MIN_KEY_CHARACTERS = 32


class Settings(BaseSettings):
    """What every service reads; no key of its own."""

    # A refusal names the setting and never repeats what was given: that may be a secret.
    model_config = SettingsConfigDict(
        env_prefix="SAMSKAB_", extra="ignore", hide_input_in_errors=True
    )

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path(".samskab")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # The largest request body the API reads (413 beyond it). The largest legitimate request,
    # an attendance list of 10,000 entries, is about 1 MB; a process with 500 budgets and its
    # longest texts is well under that.
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)

    # asyncpg reads libpq's TLS parameters from the URL: `?sslmode=verify-full&sslrootcert=…`.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    database_url_file: Path | None = Field(default=None, validation_alias="DATABASE_URL_FILE")
    kafka_bootstrap_servers: str | None = Field(
        default=None, validation_alias="KAFKA_BOOTSTRAP_SERVERS"
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        default="SCRAM-SHA-512", validation_alias="KAFKA_SASL_MECHANISM"
    )
    kafka_sasl_username: str | None = Field(default=None, validation_alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(
        default=None, validation_alias="KAFKA_SASL_PASSWORD"
    )
    kafka_sasl_password_file: Path | None = Field(
        default=None, validation_alias="KAFKA_SASL_PASSWORD_FILE"
    )
    kafka_ssl_cafile: Path | None = Field(default=None, validation_alias="KAFKA_SSL_CAFILE")
    # "auto": on unless the broker is the embedded one (which rejects InitProducerId).
    kafka_idempotence: Literal["auto", "on", "off"] = "auto"
    embedded_broker: bool = False

    kafka_replication_factor: int = Field(default=1, ge=1)
    topic_prefix: str = "samskab"
    partitions: int = Field(default=6, ge=1)
    # Most records a projection applies in one transaction (one batch).
    projection_batch: int = Field(default=2000, ge=1, le=100_000)
    # Seconds between two runs of the phase scheduler (SAMSKAB_SCHEDULER_INTERVAL_SECONDS).
    scheduler_interval_seconds: float = Field(default=15.0, gt=0, le=3600)
    # /status calls a projection "behind" from this many events not yet applied, and "stalled"
    # when it lags and has applied nothing for this many seconds (or no instance runs).
    status_behind_events: int = Field(default=1000, ge=1)
    status_stalled_seconds: float = Field(default=60.0, gt=0)

    # Citizen-facing words for volunteers: "singular/plural/citizen" per language.
    helper_words_da: str = "hjælper/hjælpere/medborger"
    helper_words_en: str = "helper/helpers/citizen"

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _secrets_from_files(self) -> Settings:
        self._read_secret_files()
        return self

    def _read_secret_files(self) -> None:
        """Each secret of the composed parts from its `_FILE`; a part adds its own (before any
        validator of this class looks at them)."""
        self.database_url = _from_file("DATABASE_URL", self.database_url, self.database_url_file)
        self.kafka_sasl_password = _secret_from_file(
            "KAFKA_SASL_PASSWORD", self.kafka_sasl_password, self.kafka_sasl_password_file
        )

    @model_validator(mode="after")
    def _wording_parses(self) -> Settings:
        Wording.parse(self.helper_words_da, self.helper_words_en)
        return self

    @property
    def wording(self) -> Wording:
        return Wording.parse(self.helper_words_da, self.helper_words_en)

    @model_validator(mode="after")
    def _kafka_credentials_complete(self) -> Settings:
        if self.kafka_security_protocol.startswith("SASL"):
            missing = [
                name
                for name, value in (
                    ("KAFKA_SASL_USERNAME", self.kafka_sasl_username),
                    ("KAFKA_SASL_PASSWORD", self.kafka_sasl_password),
                )
                if not value
            ]
            if missing:
                raise ValueError(
                    f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} requires "
                    f"{' and '.join(missing)} (or the _FILE variant)"
                )
        if self.kafka_ssl_cafile is not None and not self.kafka_ssl_cafile.is_file():
            raise ValueError(f"KAFKA_SSL_CAFILE {self.kafka_ssl_cafile} is not a readable file")
        return self

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name, value in (
                    *self._production_secrets(),
                    ("DATABASE_URL", self.database_url),
                    ("KAFKA_BOOTSTRAP_SERVERS", self.kafka_bootstrap_servers),
                )
                if value is None
            ]
            if missing:
                raise ValueError(f"production requires {', '.join(missing)} to be set")
            for name, secret in self._production_secrets():
                if isinstance(secret, SecretStr) and (
                    len(secret.get_secret_value()) < MIN_KEY_CHARACTERS
                ):
                    raise ValueError(
                        f"{name} must be at least {MIN_KEY_CHARACTERS} characters in production"
                    )
            if self.kafka_security_protocol == "SASL_PLAINTEXT" and (
                self.kafka_sasl_mechanism == "PLAIN"
            ):
                raise ValueError(
                    "SASL PLAIN over SASL_PLAINTEXT sends the Kafka password in clear; "
                    "use SASL_SSL or SCRAM in production"
                )
            if self.log_format == "auto":
                self.log_format = "json"  # for the log collector, even on a terminal
        return self

    def _production_secrets(self) -> tuple[tuple[str, object], ...]:
        """(name, value) of each secret the composed parts need in production; none here."""
        return ()

    @property
    def topology(self) -> Topology:
        return Topology(prefix=self.topic_prefix, partitions=self.partitions)

    @property
    def idempotent_producer(self) -> bool:
        if self.kafka_idempotence == "auto":
            return not self.embedded_broker
        return self.kafka_idempotence == "on"

    def require_database_url(self) -> str:
        if self.database_url is None:
            raise RuntimeError("DATABASE_URL is not set")
        return self.database_url

    def require_bootstrap(self) -> str:
        if self.kafka_bootstrap_servers is None:
            raise RuntimeError("KAFKA_BOOTSTRAP_SERVERS is not set")
        return self.kafka_bootstrap_servers


class TokenKeys(Settings):
    """The key that signs and verifies bearer tokens, and their lifetime."""

    signing_key: SecretStr | None = None
    signing_key_file: Path | None = None
    token_ttl_hours: int = Field(default=24 * 30, ge=1)

    def _read_secret_files(self) -> None:
        super()._read_secret_files()
        self.signing_key = _secret_from_file(
            "SAMSKAB_SIGNING_KEY", self.signing_key, self.signing_key_file
        )

    def _production_secrets(self) -> tuple[tuple[str, object], ...]:
        return (*super()._production_secrets(), ("SAMSKAB_SIGNING_KEY", self.signing_key))


class PseudonymKey(Settings):
    """The key of the subjects' pseudonyms, from which the vault's key is derived too."""

    pseudonym_key: SecretStr | None = None
    pseudonym_key_file: Path | None = None

    def _read_secret_files(self) -> None:
        super()._read_secret_files()
        self.pseudonym_key = _secret_from_file(
            "SAMSKAB_PSEUDONYM_KEY", self.pseudonym_key, self.pseudonym_key_file
        )

    def _production_secrets(self) -> tuple[tuple[str, object], ...]:
        return (*super()._production_secrets(), ("SAMSKAB_PSEUDONYM_KEY", self.pseudonym_key))


class CheckpointKey(Settings):
    """The Ed25519 key that signs the chain's checkpoints, and how often."""

    # Ed25519 key (PKCS#8 PEM) that signs chain checkpoints; default <data-dir>/keys/checkpoint.pem.
    checkpoint_key_file: Path | None = None
    # Seconds between two checkpoints (SAMSKAB_CHECKPOINT_INTERVAL_SECONDS).
    checkpoint_interval_seconds: float = Field(default=60.0, gt=0, le=86400)

    @property
    def checkpoint_key_path(self) -> Path:
        return self.checkpoint_key_file or self.data_dir / "keys" / "checkpoint.pem"

    def _production_secrets(self) -> tuple[tuple[str, object], ...]:
        return (
            *super()._production_secrets(),
            ("SAMSKAB_CHECKPOINT_KEY_FILE", self.checkpoint_key_file),
        )


class ApiSettings(TokenKeys, PseudonymKey):
    """The API's: it verifies tokens, pseudonymises subjects and opens the vault."""

    @model_validator(mode="after")
    def _keys_differ(self) -> ApiSettings:
        if self.env == "production" and self.signing_key == self.pseudonym_key:
            raise ValueError("SAMSKAB_SIGNING_KEY and SAMSKAB_PSEUDONYM_KEY must differ")
        return self


class SystemSettings(ApiSettings, CheckpointKey):
    """Every part: `samskab run` starts every service from one set of settings."""


def _secret_from_file(name: str, value: SecretStr | None, path: Path | None) -> SecretStr | None:
    found = _from_file(name, value.get_secret_value() if value is not None else None, path)
    return SecretStr(found) if found is not None else None


def _from_file(name: str, value: str | None, path: Path | None) -> str | None:
    """The secret `name` from `value` or from the file at `path` (`name_FILE`), not two values."""
    if path is None:
        return value
    try:
        content = path.read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")
    except OSError as exc:
        raise ValueError(f"{name}_FILE {path} cannot be read: {exc.strerror}") from exc
    if not content:
        raise ValueError(f"{name}_FILE {path} is empty")
    if value is not None and value != content:
        raise ValueError(f"set {name} or {name}_FILE, not both")
    return content
