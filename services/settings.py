"""Settings of every Samskab service: one class, validated at start, built once in `main`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from events.topology import Topology


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAMSKAB_", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path(".samskab")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    kafka_bootstrap_servers: str | None = Field(
        default=None, validation_alias="KAFKA_BOOTSTRAP_SERVERS"
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL"
    )
    kafka_sasl_mechanism: str | None = Field(default=None, validation_alias="KAFKA_SASL_MECHANISM")
    kafka_sasl_username: str | None = Field(default=None, validation_alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(
        default=None, validation_alias="KAFKA_SASL_PASSWORD"
    )
    kafka_ssl_cafile: Path | None = Field(default=None, validation_alias="KAFKA_SSL_CAFILE")
    # "auto": on unless the broker is the embedded one (which rejects InitProducerId).
    kafka_idempotence: Literal["auto", "on", "off"] = "auto"
    embedded_broker: bool = False

    kafka_replication_factor: int = Field(default=1, ge=1)
    topic_prefix: str = "samskab"
    partitions: int = Field(default=6, ge=1)

    signing_key: SecretStr | None = None
    pseudonym_key: SecretStr | None = None
    token_ttl_hours: int = Field(default=24 * 30, ge=1)

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name, value in (
                    ("SAMSKAB_SIGNING_KEY", self.signing_key),
                    ("SAMSKAB_PSEUDONYM_KEY", self.pseudonym_key),
                    ("DATABASE_URL", self.database_url),
                    ("KAFKA_BOOTSTRAP_SERVERS", self.kafka_bootstrap_servers),
                )
                if value is None
            ]
            if missing:
                raise ValueError(f"production requires {', '.join(missing)} to be set")
            for name, secret in (
                ("SAMSKAB_SIGNING_KEY", self.signing_key),
                ("SAMSKAB_PSEUDONYM_KEY", self.pseudonym_key),
            ):
                if secret is not None and len(secret.get_secret_value()) < 32:
                    raise ValueError(f"{name} must be at least 32 characters in production")
        return self

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
