"""Settings refuse to start production without the secrets of the service they configure, ask
no service for a key it does not use, and read secrets from files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.cli.common import Refused, settings_from_env
from services.platform.kafka.clients import common_kwargs
from services.platform.settings import ApiSettings, CheckpointKey, Settings, SystemSettings

KEY_A = "a" * 32
KEY_B = "b" * 32
PLATFORM = {
    "env": "production",
    "DATABASE_URL": "postgresql://samskab@db/samskab?sslmode=verify-full",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9093",
}
PRODUCTION = {**PLATFORM, "signing_key": KEY_A, "pseudonym_key": KEY_B}


def settings(
    monkeypatch: pytest.MonkeyPatch, kind: type[Settings] = ApiSettings, **values: object
) -> Settings:
    for name in (
        "DATABASE_URL",
        "KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
        "SAMSKAB_ENV",
        "SAMSKAB_SIGNING_KEY",
        "SAMSKAB_PSEUDONYM_KEY",
        "SAMSKAB_SIGNING_KEY_FILE",
        "SAMSKAB_PSEUDONYM_KEY_FILE",
        "SAMSKAB_CHECKPOINT_KEY_FILE",
        "SAMSKAB_LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)
    return kind.model_validate(values)


def refusal(
    monkeypatch: pytest.MonkeyPatch, kind: type[Settings] = ApiSettings, **values: object
) -> str:
    with pytest.raises(ValidationError) as caught:
        settings(monkeypatch, kind, **values)
    return str(caught.value)


def secret_file(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content)
    return path


def test_production_with_every_secret_starts_and_logs_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given = settings(monkeypatch, **PRODUCTION)
    assert given.log_format == "json"


@pytest.mark.parametrize(
    "missing",
    ["DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "signing_key", "pseudonym_key"],
)
def test_production_without_a_required_setting_is_refused_and_names_it(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    values = {k: v for k, v in PRODUCTION.items() if k != missing}
    message = refusal(monkeypatch, **values)
    assert "production requires" in message
    assert missing.upper().removeprefix("SAMSKAB_") in message.upper()


def test_a_short_signing_key_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    message = refusal(monkeypatch, **{**PRODUCTION, "signing_key": "changeme"})
    assert "SAMSKAB_SIGNING_KEY must be at least 32 characters" in message


def test_one_key_for_signing_and_pseudonyms_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = refusal(monkeypatch, **{**PRODUCTION, "pseudonym_key": KEY_A})
    assert "must differ" in message


def test_development_needs_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    given = settings(monkeypatch, SystemSettings)
    assert isinstance(given, SystemSettings)
    assert given.env == "development" and given.signing_key is None


def test_a_service_without_keys_starts_in_production_without_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The relay, every projection and the scheduler compose no key: given the environment
    every container shares, they neither need nor read the files the API's keys are in."""
    monkeypatch.setenv("SAMSKAB_SIGNING_KEY_FILE", "/run/secrets/samskab/signing-key")
    monkeypatch.setenv("SAMSKAB_PSEUDONYM_KEY_FILE", "/run/secrets/samskab/pseudonym-key")
    given = Settings.model_validate(PLATFORM)
    assert given.env == "production" and given.log_format == "json"
    assert not hasattr(given, "signing_key") and not hasattr(given, "pseudonym_key")
    message = refusal(monkeypatch, Settings, **{**PLATFORM, "DATABASE_URL": None})
    assert "production requires DATABASE_URL to be set" in message
    assert "KEY" not in message


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        (ApiSettings, ["SAMSKAB_SIGNING_KEY", "SAMSKAB_PSEUDONYM_KEY"]),
        (CheckpointKey, ["SAMSKAB_CHECKPOINT_KEY_FILE"]),
        (
            SystemSettings,
            ["SAMSKAB_SIGNING_KEY", "SAMSKAB_PSEUDONYM_KEY", "SAMSKAB_CHECKPOINT_KEY_FILE"],
        ),
    ],
)
def test_a_service_with_keys_is_refused_in_production_without_them_and_names_each(
    monkeypatch: pytest.MonkeyPatch, kind: type[Settings], names: list[str]
) -> None:
    message = refusal(monkeypatch, kind, **PLATFORM)
    assert "production requires" in message
    for name in names:
        assert name in message
    others = {"SAMSKAB_SIGNING_KEY", "SAMSKAB_PSEUDONYM_KEY", "SAMSKAB_CHECKPOINT_KEY"} - {
        n.removesuffix("_FILE") for n in names
    }
    assert not any(other in message for other in others)


def test_the_checkpoints_service_needs_its_own_key_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = secret_file(tmp_path, "checkpoint.pem", "-----BEGIN PRIVATE KEY-----\n")
    given = settings(monkeypatch, CheckpointKey, **PLATFORM, checkpoint_key_file=key)
    assert isinstance(given, CheckpointKey) and given.checkpoint_key_path == key
    assert not hasattr(given, "signing_key") and not hasattr(given, "pseudonym_key")


def test_a_refused_key_is_named_and_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    short = "tooshort-but-secret"
    message = refusal(monkeypatch, **{**PRODUCTION, "signing_key": short})
    assert "SAMSKAB_SIGNING_KEY" in message and short not in message
    message = refusal(monkeypatch, **{**PRODUCTION, "pseudonym_key": KEY_A})
    assert "must differ" in message and KEY_A not in message


def test_secrets_are_read_from_files_without_the_trailing_newline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    given = settings(
        monkeypatch,
        **{k: v for k, v in PRODUCTION.items() if k not in ("signing_key", "pseudonym_key")},
        signing_key_file=secret_file(tmp_path, "signing", KEY_A + "\n"),
        pseudonym_key_file=secret_file(tmp_path, "pseudonym", KEY_B),
        KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        KAFKA_SASL_USERNAME="samskab",
        KAFKA_SASL_PASSWORD_FILE=secret_file(tmp_path, "kafka", "s3cret\n"),
    )
    assert given.signing_key is not None and given.signing_key.get_secret_value() == KEY_A
    assert given.pseudonym_key is not None and given.pseudonym_key.get_secret_value() == KEY_B
    kwargs = common_kwargs(given)
    assert kwargs["sasl_plain_password"] == "s3cret"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert kwargs["ssl_context"] is not None


def test_the_environment_names_of_the_file_variants_are_the_documented_ones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SAMSKAB_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SAMSKAB_ENV", "production")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9093")
    monkeypatch.setenv("SAMSKAB_SIGNING_KEY_FILE", str(secret_file(tmp_path, "s", KEY_A)))
    monkeypatch.setenv("SAMSKAB_PSEUDONYM_KEY_FILE", str(secret_file(tmp_path, "p", KEY_B)))
    monkeypatch.setenv("DATABASE_URL_FILE", str(secret_file(tmp_path, "db", "postgresql://x/y")))
    given = ApiSettings()
    assert given.database_url == "postgresql://x/y"
    assert given.signing_key is not None and given.signing_key.get_secret_value() == KEY_A


def test_a_secret_file_that_cannot_be_read_is_refused_with_its_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    message = refusal(monkeypatch, signing_key_file=tmp_path / "nowhere")
    assert "SAMSKAB_SIGNING_KEY_FILE" in message and "nowhere" in message


def test_an_empty_secret_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    message = refusal(monkeypatch, pseudonym_key_file=secret_file(tmp_path, "p", "\n"))
    assert "SAMSKAB_PSEUDONYM_KEY_FILE" in message and "empty" in message


def test_a_secret_given_twice_with_different_values_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    message = refusal(
        monkeypatch, signing_key=KEY_A, signing_key_file=secret_file(tmp_path, "s", KEY_B)
    )
    assert "not both" in message


def test_sasl_without_credentials_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    message = refusal(monkeypatch, KAFKA_SECURITY_PROTOCOL="SASL_SSL", KAFKA_SASL_USERNAME="u")
    assert "KAFKA_SASL_PASSWORD" in message


def test_a_plain_text_kafka_password_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = refusal(
        monkeypatch,
        **PRODUCTION,
        KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        KAFKA_SASL_MECHANISM="PLAIN",
        KAFKA_SASL_USERNAME="u",
        KAFKA_SASL_PASSWORD="p",
    )
    assert "in clear" in message


def test_an_unknown_sasl_mechanism_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    message = refusal(monkeypatch, KAFKA_SASL_MECHANISM="SCRAM-SHA-1")
    assert "KAFKA_SASL_MECHANISM" in message


def test_a_missing_kafka_ca_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    message = refusal(monkeypatch, KAFKA_SSL_CAFILE=tmp_path / "ca.pem")
    assert "KAFKA_SSL_CAFILE" in message


def test_a_service_started_without_its_key_says_which_and_shows_no_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What `samskab serve …` prints: the projection's settings start from the environment the
    API's refuse, and the refusal names the missing key without any value given."""
    settings(monkeypatch)  # a clean environment
    database = "postgresql://samskab:hunter2-password@db/samskab"
    monkeypatch.setenv("SAMSKAB_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9093")
    monkeypatch.setenv("SAMSKAB_SIGNING_KEY", KEY_A)
    assert settings_from_env(Settings).database_url == database
    with pytest.raises(Refused) as refused:
        settings_from_env(ApiSettings)
    message = str(refused.value)
    assert "production requires SAMSKAB_PSEUDONYM_KEY to be set" in message
    assert "SAMSKAB_SIGNING_KEY" not in message
    assert KEY_A not in message and "hunter2" not in message
