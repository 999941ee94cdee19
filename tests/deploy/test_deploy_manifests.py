"""`deploy/` checked offline: every file parses and validates against its schema (the Compose
specification's JSON Schema, the Kubernetes API schemas), images are pinned, and the topics
and services it declares are the ones the code declares."""

from __future__ import annotations

import copy
import functools
import json
import re
import sys
import typing
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from pydantic import ValidationError

from events.topology import PROJECTIONS as DEAD_LETTER_PROJECTIONS
from events.topology import TopicKind
from projections.catalog import PROJECTIONS
from services.platform.settings import ApiSettings, Settings
from services.runtime import serve

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose"
K8S = DEPLOY / "kubernetes"
KUBERNETES_VERSION = "1.33.0"  # the oldest Kubernetes minor we claim to support

sys.path.insert(0, str(DEPLOY))
import generate  # noqa: E402

PINNED_TAG = re.compile(
    r"^[a-z0-9./-]+:\d+\.\d+(\.\d+)?([.-][A-Za-z0-9.-]+)?(@sha256:[0-9a-f]{64})?$"
)


LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def load(path: Path) -> Any:
    """The parsed file, shared between tests: copy before changing it."""
    return yaml.load(path.read_text(), Loader=LOADER)


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.load_all(path.read_text(), Loader=LOADER) if doc]


@functools.cache
def kubernetes_documents() -> list[tuple[Path, dict[str, Any]]]:
    return [(p, d) for p in sorted(K8S.rglob("*.yaml")) for d in load_all(p)]


def by_kind(kind: str) -> list[dict[str, Any]]:
    """Complete documents of `kind` in the base (the overlay holds partial patches)."""
    return [
        d for p, d in kubernetes_documents() if d.get("kind") == kind and p.parent.name == "base"
    ]


@functools.cache
def compose_schema() -> dict[str, Any]:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return dict(json.loads(vendor.joinpath("compose-spec.json").read_text()))


def compose_errors(document: dict[str, Any]) -> list[str]:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


# --- one source of truth ---------------------------------------------------------------------


def test_the_generated_deploy_files_are_current() -> None:
    assert generate.stale() == [], "run: .venv/bin/python deploy/generate.py"


def test_the_strimzi_topics_are_the_declared_topology() -> None:
    declared = {
        t.name: (t.partitions, {**t.config, "min.insync.replicas": "2"})
        for t in generate.topology().topics()
    }
    deployed = {
        d["spec"]["topicName"]: (d["spec"]["partitions"], d["spec"]["config"])
        for d in by_kind("KafkaTopic")
    }
    assert deployed == declared
    for topic in by_kind("KafkaTopic"):
        assert topic["spec"]["replicas"] == 3
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "samskab"
        assert topic["spec"]["config"]["retention.ms"] == "-1"  # events are kept forever


def test_every_projection_service_has_its_dead_letter_topic() -> None:
    assert set(PROJECTIONS) == set(DEAD_LETTER_PROJECTIONS)


def test_event_topics_are_partitioned_for_scale_out() -> None:
    events = [t for t in generate.topology().topics() if t.kind is TopicKind.EVENTS]
    assert events and all(t.partitions == generate.PARTITIONS >= 6 for t in events)


def test_compose_and_kubernetes_use_the_same_topic_settings_as_the_generator() -> None:
    app = load(COMPOSE / "compose.yaml")["services"]["topics"]["environment"]
    (config,) = by_kind("ConfigMap")
    for env in (app, config["data"]):
        assert env["SAMSKAB_TOPIC_PREFIX"] == generate.PREFIX
        assert int(env["SAMSKAB_PARTITIONS"]) == generate.PARTITIONS
        assert int(env["SAMSKAB_KAFKA_REPLICATION_FACTOR"]) == generate.REPLICATION_FACTOR


# --- Compose ---------------------------------------------------------------------------------


def test_the_generated_compose_files_are_the_data_the_generator_builds() -> None:
    assert load(COMPOSE / "compose.yaml") == generate.compose_document()
    assert load(COMPOSE / "compose.tls.yaml") == generate.compose_tls_document()
    for name in ("compose.yaml", "compose.tls.yaml"):
        events = yaml.parse((COMPOSE / name).read_text())
        anchored = [
            e for e in events if isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None)
        ]
        assert anchored == [], f"{name}: every service stands alone, no anchors or merge keys"


@pytest.mark.parametrize("name", ["compose.yaml", "compose.tls.yaml"])
def test_the_compose_files_validate_against_the_compose_specification(name: str) -> None:
    assert compose_errors(load(COMPOSE / name)) == []


def test_the_compose_schema_check_rejects_a_broken_file() -> None:
    broken = copy.deepcopy(load(COMPOSE / "compose.yaml"))
    broken["services"]["api"]["replicas_typo"] = 2
    broken["services"]["relay"]["healthcheck"]["interval"] = ["10s"]
    assert len(compose_errors(broken)) >= 2


def test_compose_runs_three_kraft_brokers_with_durable_topic_defaults() -> None:
    services = load(COMPOSE / "compose.yaml")["services"]
    brokers = {n: s for n, s in services.items() if n.startswith("kafka-")}
    assert len(brokers) == 3
    for broker in brokers.values():
        env = broker["environment"]
        assert broker["image"].startswith("apache/kafka:")
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].count("@") == 3
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert "ports" not in broker  # reachable on the internal network only
    assert len({b["environment"]["KAFKA_NODE_ID"] for b in brokers.values()}) == 3


def test_compose_runs_each_service_in_its_own_container_with_a_health_check() -> None:
    services = load(COMPOSE / "compose.yaml")["services"]
    assert services["api"]["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["migrate"]
    assert services["topics"]["command"] == ["topics", "ensure"]
    for name in PROJECTIONS:
        service = services[f"projection-{name}"]
        assert service["command"][:4] == ["serve", "projection", name, "--group"]
    long_running = [n for n, s in services.items() if s.get("restart") != "no"]
    for name in long_running:
        assert "healthcheck" in services[name], name
    probes = [
        services[n]["healthcheck"]["test"][-1]
        for n in long_running
        if not n.startswith(("kafka", "postgres"))
    ]
    assert probes and all("/healthz" in p for p in probes)


def test_compose_dependencies_and_secrets_are_defined() -> None:
    for name in ("compose.yaml", "compose.tls.yaml"):
        document = load(COMPOSE / name)
        base = load(COMPOSE / "compose.yaml")
        services = {**base["services"], **document["services"]}
        secrets = {**base["secrets"], **document.get("secrets", {})}
        for service in document["services"].values():
            for dependency in service.get("depends_on", {}):
                assert dependency in services, dependency
            for secret in service.get("secrets", []):
                assert secret in secrets, secret
        for secret in secrets.values():
            assert secret["file"].startswith("./secrets/")


SECRET_NAME = re.compile(r"(KEY|PASSWORD|SECRET|TOKEN)$|^DATABASE_URL$")


def test_no_secret_value_is_written_into_compose() -> None:
    for name in ("compose.yaml", "compose.tls.yaml"):
        for service_name, service in load(COMPOSE / name)["services"].items():
            for var in service.get("environment", {}):
                assert not SECRET_NAME.search(var), f"{name}: {service_name} sets {var} inline"


def test_compose_images_are_pinned_to_exact_versions() -> None:
    for name in ("compose.yaml", "compose.tls.yaml"):
        for service_name, service in load(COMPOSE / name)["services"].items():
            if "image" in service:
                assert PINNED_TAG.match(service["image"]), f"{service_name}: {service['image']}"


# Which container mounts which of the application's secrets. Every one reads the database URL;
# the API alone holds the token and pseudonym keys, the checkpoints service alone its key.
KEYS_OF = {"api": {"signing_key", "pseudonym_key"}, "checkpoints": {"checkpoint_key"}}
TLS_SECRETS = {"kafka_password", "kafka_ca", "postgres_ca"}
SECRET_FILES = {
    "database_url": "postgresql://samskab:pw@postgres:5432/samskab",
    "signing_key": "s" * 64,
    "pseudonym_key": "p" * 64,
    "checkpoint_key": "-----BEGIN PRIVATE KEY-----\n",
    "kafka_password": "k" * 64,
    "kafka_ca": "-----BEGIN CERTIFICATE-----\n",
    "postgres_ca": "-----BEGIN CERTIFICATE-----\n",
}


def app_services() -> dict[str, dict[str, Any]]:
    """The Compose services that run the application image."""
    services = load(COMPOSE / "compose.yaml")["services"]
    return {n: s for n, s in services.items() if s.get("image") == generate.APP_IMAGE}


def settings_kind(command: list[str]) -> type[Settings]:
    """The settings the command composes: a service's are those its `serve` function takes."""
    if command[0] != "serve":
        return Settings  # migrate, topics ensure
    function = getattr(serve, f"serve_{command[1]}")
    kind: type[Settings] = typing.get_type_hints(function)["settings"]
    return kind


def test_every_compose_service_mounts_exactly_the_secrets_it_uses() -> None:
    services = app_services()
    projections = {f"projection-{name}" for name in PROJECTIONS}
    assert set(services) == {
        "migrate",
        "topics",
        "api",
        "relay",
        "scheduler",
        "checkpoints",
        *projections,
    }
    overlay = load(COMPOSE / "compose.tls.yaml")["services"]
    for name, service in services.items():
        expected = {"database_url"} | KEYS_OF.get(name, set())
        assert set(service["secrets"]) == expected, name
        # The overlay lists each service's secrets in full: merged or replaced, the same set.
        assert set(overlay[name]["secrets"]) == expected | TLS_SECRETS, name
    for name in {"relay", "scheduler", *projections}:
        for document in (services, overlay):
            assert not {"signing_key", "pseudonym_key", "checkpoint_key"} & set(
                document[name]["secrets"]
            ), name


def keys_composed_by(kind: type[Settings]) -> set[str]:
    """The key files a settings class reads: one per `…_key_file` setting, named without it."""
    return {name.removesuffix("_file") for name in kind.model_fields if name.endswith("_key_file")}


def test_every_compose_service_mounts_the_keys_its_settings_compose_and_no_other() -> None:
    overlay = load(COMPOSE / "compose.tls.yaml")["services"]
    composed = set()
    for name, service in app_services().items():
        keys = keys_composed_by(settings_kind(service["command"]))
        composed |= keys
        assert set(service["secrets"]) == {"database_url"} | keys, name
        assert set(overlay[name]["secrets"]) == {"database_url"} | keys | TLS_SECRETS, name
    assert composed == {"signing_key", "pseudonym_key", "checkpoint_key"}


@pytest.mark.parametrize("tls", [False, True])
def test_every_compose_service_starts_in_production_with_only_the_secrets_it_mounts(
    tls: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlay = load(COMPOSE / "compose.tls.yaml")["services"]
    for name, service in app_services().items():
        env = {**service["environment"], **(overlay[name]["environment"] if tls else {})}
        mounted = set(overlay[name]["secrets"] if tls else service["secrets"])
        for var, value in env.items():
            secret = Path(str(value)).name
            if str(value).startswith("/run/secrets/"):
                # A file not mounted into this container is not there.
                path = tmp_path / name / secret
                if secret in mounted:
                    path.parent.mkdir(exist_ok=True)
                    path.write_text(SECRET_FILES[secret])
                value = path
            monkeypatch.setenv(var, str(value))
        kind = settings_kind(service["command"])
        settings = kind()
        assert settings.env == "production" and settings.log_format == "json", name
        assert settings.database_url == SECRET_FILES["database_url"], name
        if isinstance(settings, ApiSettings):
            assert settings.signing_key is not None and settings.pseudonym_key is not None
        if name not in KEYS_OF:
            assert kind is Settings, f"{name} composes a key it does not mount"


def test_the_api_refuses_to_start_in_production_without_its_keys_mounted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = app_services()["api"]["environment"]
    database = tmp_path / "database_url"
    database.write_text(SECRET_FILES["database_url"])
    for var, value in env.items():
        monkeypatch.setenv(var, str(value))
    monkeypatch.setenv("DATABASE_URL_FILE", str(database))
    for var in ("SAMSKAB_SIGNING_KEY_FILE", "SAMSKAB_PSEUDONYM_KEY_FILE"):
        monkeypatch.setenv(var, str(tmp_path / "not-mounted" / var))
    with pytest.raises(ValidationError) as refused:
        ApiSettings()
    assert "_KEY_FILE" in str(refused.value) and "cannot be read" in str(refused.value)
    monkeypatch.delenv("SAMSKAB_SIGNING_KEY_FILE")
    monkeypatch.delenv("SAMSKAB_PSEUDONYM_KEY_FILE")
    with pytest.raises(ValidationError) as refused:
        ApiSettings()
    message = str(refused.value)
    assert "production requires" in message
    assert "SAMSKAB_SIGNING_KEY" in message and "SAMSKAB_PSEUDONYM_KEY" in message
    assert SECRET_FILES["database_url"] not in message
    assert Settings().database_url == SECRET_FILES["database_url"]  # a projection starts


# --- Dockerfile ------------------------------------------------------------------------------


def test_the_image_is_built_in_stages_and_runs_slim_as_a_non_root_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) >= 2
    for stage in stages:
        image = stage.split()[0]
        assert PINNED_TAG.match(image), image
    final = stages[-1]
    assert "-slim" in final.split()[0]
    assert "apt-get" not in final and "build-essential" not in final
    user = re.findall(r"^USER (\S+)", final, flags=re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert '\nENTRYPOINT ["samskab"]' in final


# --- Kubernetes ------------------------------------------------------------------------------

STRIMZI = "kafka.strimzi.io/"


def test_every_kubernetes_manifest_validates_against_the_kubernetes_schemas() -> None:
    checked = 0
    for path, document in kubernetes_documents():
        kind = document.get("kind")
        if kind == "Kustomization" or document.get("apiVersion", "").startswith(STRIMZI):
            continue
        if path.parent.name == "production" and path.name != "namespace.yaml":
            continue  # partial patches, merged onto validated base documents
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked >= 6


def test_the_generated_kubernetes_manifests_are_the_data_the_generator_builds() -> None:
    base = K8S / "base"
    topics = [generate.kafka_topic(spec) for spec in generate.topology().topics()]
    projections = [generate.projection_deployment(name) for name in generate.projection_names()]
    assert load_all(base / "topics.yaml") == topics
    assert load_all(base / "projections.yaml") == projections
    for path in (base / "scheduler.yaml", base / "checkpoints.yaml"):
        text = path.read_text()
        assert "&id" not in text and "*id" not in text  # every document stands alone
    (checkpoints,) = load_all(base / "checkpoints.yaml")
    pod = checkpoints["spec"]["template"]["spec"]
    assert {"name": "checkpoint-key", "secret": {"secretName": "samskab-checkpoint-key"}} in (
        pod["volumes"]
    )
    (scheduler,) = load_all(base / "scheduler.yaml")
    assert "checkpoint-key" not in str(scheduler)  # the key is mounted in checkpoints alone


def test_the_kubernetes_schema_check_rejects_a_broken_manifest() -> None:
    (api,) = [d for d in by_kind("Deployment") if d["metadata"]["name"] == "api"]
    broken = copy.deepcopy(api)
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pth"] = "/"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_every_service_is_a_deployment_with_probes_and_resource_requests() -> None:
    deployments = {d["metadata"]["name"]: d for d in by_kind("Deployment")}
    services = {
        "api",
        "relay",
        "scheduler",
        "checkpoints",
        *(f"projection-{n}" for n in PROJECTIONS),
    }
    assert set(deployments) == services
    for name, deployment in deployments.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
        if name.startswith("projection-"):
            assert container["args"][:4] == [
                "serve",
                "projection",
                name.split("-", 1)[1],
                "--group",
            ]


def test_one_phase_scheduler_runs_in_compose_and_kubernetes_and_production_keeps_it_one() -> None:
    services = load(COMPOSE / "compose.yaml")["services"]
    assert services["scheduler"]["command"][:2] == ["serve", "scheduler"]
    assert "scheduler" in load(COMPOSE / "compose.tls.yaml")["services"]
    (scheduler,) = [d for d in by_kind("Deployment") if d["metadata"]["name"] == "scheduler"]
    assert scheduler["spec"]["replicas"] == 1
    (container,) = scheduler["spec"]["template"]["spec"]["containers"]
    assert container["args"][:2] == ["serve", "scheduler"]
    production = load(K8S / "overlays" / "production" / "kustomization.yaml")
    selectors = [p["target"]["labelSelector"] for p in production["patches"] if "target" in p]
    assert selectors and all("scheduler" in s for s in selectors if "notin" in s)


def test_the_api_has_a_disruption_budget() -> None:
    (api,) = [d for d in by_kind("Deployment") if d["metadata"]["name"] == "api"]
    budgets = [d for d in by_kind("PodDisruptionBudget") if "selector" in d["spec"]]
    labels = api["spec"]["template"]["metadata"]["labels"]
    assert any(b["spec"]["selector"]["matchLabels"].items() <= labels.items() for b in budgets), (
        "no PodDisruptionBudget selects the API pods"
    )


def test_secrets_are_referenced_never_inlined() -> None:
    assert by_kind("Secret") == []
    (config,) = by_kind("ConfigMap")
    for var in config["data"]:
        assert not SECRET_NAME.search(var), var
    mounted = set()
    for d in by_kind("Deployment") + by_kind("Job"):
        spec = d["spec"]["template"]["spec"]
        for container in spec["containers"]:
            assert "env" not in container or all("value" not in e for e in container["env"])
            mounted |= {m["mountPath"] for m in container["volumeMounts"]}
    for var, value in config["data"].items():
        if var.endswith("_FILE") or var == "KAFKA_SSL_CAFILE":
            assert str(Path(value).parent) in mounted, f"{var}={value} is not mounted"


def secrets_of(workload: dict[str, Any]) -> set[str]:
    """The names of the Secrets a Deployment's or Job's pod mounts."""
    names = set()
    for volume in workload["spec"]["template"]["spec"]["volumes"]:
        if "secret" in volume:
            names.add(volume["secret"]["secretName"])
        for source in volume.get("projected", {}).get("sources", []):
            names.add(source["secret"]["name"])
    return names


def test_every_kubernetes_workload_mounts_exactly_the_secrets_it_uses() -> None:
    shared = {
        "samskab-database-url",
        "samskab-app",  # the Kafka user's password
        "samskab-cluster-ca-cert",
        "samskab-postgres-ca",
    }
    keys_of = {"api": {"samskab-token-keys"}, "checkpoints": {"samskab-checkpoint-key"}}
    workloads = {d["metadata"]["name"]: d for d in by_kind("Deployment") + by_kind("Job")}
    projections = {f"projection-{name}" for name in PROJECTIONS}
    assert set(workloads) == {"migrate", "api", "relay", "scheduler", "checkpoints", *projections}
    for name, workload in workloads.items():
        assert secrets_of(workload) == shared | keys_of.get(name, set()), name
        pod = workload["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        mounted = {m["name"] for m in container["volumeMounts"]}
        assert {v["name"] for v in pod["volumes"]} == mounted, name
    for name in {"relay", "scheduler", *projections}:
        assert not {"samskab-token-keys", "samskab-checkpoint-key"} & secrets_of(workloads[name])


def test_kubernetes_images_resolve_to_pinned_versions() -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        for image in load(kustomization).get("images", []):
            assert re.fullmatch(r"\d+\.\d+\.\d+", image["newTag"]), kustomization
    for d in by_kind("Deployment") + by_kind("Job"):
        for container in d["spec"]["template"]["spec"]["containers"]:
            assert container["image"] == "samskab"  # set by the kustomization's images


def test_kustomizations_name_files_that_exist() -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        document = load(kustomization)
        for entry in document.get("resources", []):
            assert (kustomization.parent / entry).exists(), f"{kustomization}: {entry}"
        for patch in document.get("patches", []):
            if "path" in patch:
                assert (kustomization.parent / patch["path"]).exists(), patch["path"]
    base = load(K8S / "base" / "kustomization.yaml")["resources"]
    listed = {p.name for p in (K8S / "base").glob("*.yaml") if p.name != "kustomization.yaml"}
    assert set(base) == listed


def test_strimzi_runs_kafka_in_kraft_mode_with_three_replicated_nodes() -> None:
    (kafka,) = by_kind("Kafka")
    (pool,) = by_kind("KafkaNodePool")
    for resource in (kafka, pool, *by_kind("KafkaTopic"), *by_kind("KafkaUser")):
        assert resource["apiVersion"] == "kafka.strimzi.io/v1"  # Strimzi 0.49 and newer
    assert pool["spec"]["replicas"] == 3
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    assert config["auto.create.topics.enable"] is False
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    assert listener["tls"] is True
    assert listener["authentication"]["type"] == "scram-sha-512"
    (user,) = by_kind("KafkaUser")
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    (config_map,) = by_kind("ConfigMap")
    assert config_map["data"]["KAFKA_SASL_USERNAME"] == user["metadata"]["name"]
    assert config_map["data"]["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    bootstrap = config_map["data"]["KAFKA_BOOTSTRAP_SERVERS"]
    assert bootstrap == f"{kafka['metadata']['name']}-kafka-bootstrap:{listener['port']}"


def test_only_the_checkpoints_service_holds_the_checkpoint_key_in_compose_and_kubernetes() -> None:
    for name in ("compose.yaml", "compose.tls.yaml"):
        services = load(COMPOSE / name)["services"]
        holders = [n for n, s in services.items() if "checkpoint_key" in s.get("secrets", [])]
        assert holders == ["checkpoints"], name
    assert load(COMPOSE / "compose.yaml")["services"]["checkpoints"]["command"][:2] == [
        "serve",
        "checkpoints",
    ]
    holders = [
        d["metadata"]["name"]
        for d in by_kind("Deployment")
        if any(
            v.get("secret", {}).get("secretName") == "samskab-checkpoint-key"
            for v in d["spec"]["template"]["spec"].get("volumes", [])
        )
    ]
    assert holders == ["checkpoints"]
