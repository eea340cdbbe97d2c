"""The Kubernetes manifests (docker/k8s/) agree with the code and with each other: every YAML
parses; the probes ask the real health endpoints with a Host Django accepts; each container
runs the image scripts/image.sh builds and asks for CPU and memory (the HPA measures CPU
against the request); each HPA scales a Deployment that exists, on a metric that is served."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.urls import resolve

from core.health import LivenessApi, ReadinessApi

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "docker" / "k8s"
YAML_FILES = sorted([*K8S.rglob("*.yaml"), *K8S.rglob("*.yml")])


def _documents(path: Path) -> list:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def _objects() -> list[dict]:
    """Every Kubernetes object (a mapping with apiVersion and kind) under docker/k8s."""
    return [
        document
        for path in YAML_FILES
        for document in _documents(path)
        if isinstance(document, dict) and "apiVersion" in document and "kind" in document
    ]


def _by_kind(kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in _objects() if o["kind"] == kind}


def _containers(deployment: dict) -> list[dict]:
    spec = deployment["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def _built_image() -> str:
    script = (ROOT / "scripts" / "image.sh").read_text()
    return re.search(r"^IMAGE=\$\{IMAGE:-([^}]+)\}$", script, re.MULTILINE).group(1)


def _only(mapping: dict[str, dict], name: str) -> dict:
    assert name in mapping, f"no {name} among {sorted(mapping)}"
    return mapping[name]


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(K8S)))
def test_every_yaml_file_parses(path):
    assert _documents(path), f"{path} is empty"


def test_the_deployments_are_there():
    assert set(_by_kind("Deployment")) == {"ledgerlens-web", "ledgerlens-worker"}


def test_every_container_runs_the_image_that_make_image_builds():
    image = _built_image()
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    assert compose["x-app"]["image"] == image
    for deployment in _by_kind("Deployment").values():
        for container in _containers(deployment):
            assert container["image"] == image, (deployment["metadata"]["name"], container)


def test_every_container_requests_cpu_and_memory_and_limits_memory():
    for deployment in _by_kind("Deployment").values():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), container["name"]
            assert "memory" in resources.get("limits", {}), container["name"]


def test_web_probes_ask_the_real_health_endpoints_with_a_host_django_accepts():
    web = _only(_by_kind("Deployment"), "ledgerlens-web")
    container = next(c for c in web["spec"]["template"]["spec"]["containers"] if c["name"] == "web")
    port = container["ports"][0]["containerPort"]
    allowed_hosts = _only(_by_kind("ConfigMap"), "ledgerlens")["data"]["ALLOWED_HOSTS"].split(",")
    for probe_name, view in (("readinessProbe", ReadinessApi), ("livenessProbe", LivenessApi)):
        probe = container[probe_name]["httpGet"]
        assert resolve(probe["path"]).func.view_class is view, probe_name
        assert probe["port"] == port
        headers = {header["name"]: header["value"] for header in probe["httpHeaders"]}
        assert headers["Host"] in allowed_hosts, probe_name
        assert headers["X-Forwarded-Proto"] == "https", probe_name  # or production redirects


def test_the_worker_liveness_probe_runs_a_command_that_exists():
    worker = _only(_by_kind("Deployment"), "ledgerlens-worker")
    command = worker["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["exec"][
        "command"
    ]
    assert command[:2] == ["python", "manage.py"]
    assert command[2] in get_commands()


def test_the_web_service_selects_the_web_pods_and_the_ingress_routes_to_it():
    web = _only(_by_kind("Deployment"), "ledgerlens-web")
    service = _only(_by_kind("Service"), "ledgerlens-web")
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert web["spec"]["selector"]["matchLabels"].items() <= labels.items()
    container_port = web["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
    assert service["spec"]["ports"][0]["targetPort"] == container_port
    ingress = _only(_by_kind("Ingress"), "ledgerlens")
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == "ledgerlens-web"
            assert backend["port"]["number"] in [port["port"] for port in service["spec"]["ports"]]


def test_env_comes_from_the_configmap_and_secret_that_are_shipped():
    configmaps, secrets = set(_by_kind("ConfigMap")), set(_by_kind("Secret"))
    for deployment in _by_kind("Deployment").values():
        for container in _containers(deployment):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configmaps
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets  # secret.example.yaml


def test_s3_storage_in_the_configmap_names_its_bucket():
    data = _only(_by_kind("ConfigMap"), "ledgerlens")["data"]
    if data.get("STORAGE_BACKEND") == "storages.backends.s3.S3Storage":
        assert data.get("AWS_STORAGE_BUCKET_NAME")  # else the settings refuse to load


def test_each_hpa_scales_an_existing_deployment_that_requests_what_it_measures():
    deployments = _by_kind("Deployment")
    hpas = _by_kind("HorizontalPodAutoscaler")
    assert {hpa["spec"]["scaleTargetRef"]["name"] for hpa in hpas.values()} == set(deployments)
    for name, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2", name
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
        deployment = deployments[target["name"]]
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], name
        # The Deployment's own count is where a rollout starts: inside the HPA's range.
        assert hpa["spec"]["minReplicas"] <= deployment["spec"]["replicas"], name
        assert deployment["spec"]["replicas"] <= hpa["spec"]["maxReplicas"], name
        resources = [
            m["resource"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Resource"
        ]
        assert "cpu" in resources, name
        for resource in resources:
            for container in deployment["spec"]["template"]["spec"]["containers"]:
                assert resource in container["resources"]["requests"], (name, container["name"])


@pytest.mark.django_db
def test_the_worker_hpa_scales_on_the_queue_depth_the_adapter_serves(client, settings):
    worker_hpa = _only(_by_kind("HorizontalPodAutoscaler"), "ledgerlens-worker")
    external = [m["external"] for m in worker_hpa["spec"]["metrics"] if m["type"] == "External"]
    assert len(external) == 1
    metric = external[0]["metric"]
    assert metric["name"] == "ledgerlens_queue_depth"
    assert external[0]["target"]["type"] == "AverageValue"

    # prometheus-adapter serves it under that name, from the series of that name ...
    values = yaml.safe_load((K8S / "monitoring" / "prometheus-adapter-values.yaml").read_text())
    rules = [r for r in values["rules"]["external"] if r["name"]["as"] == metric["name"]]
    assert len(rules) == 1
    assert rules[0]["seriesQuery"].startswith(f"{metric['name']}{{")
    assert rules[0]["resources"]["overrides"]["namespace"] == {"resource": "namespace"}
    # ... scraped by a job whose labels are the ones the HPA selects ...
    (job,) = yaml.safe_load((K8S / "monitoring" / "prometheus-scrape.yaml").read_text())
    scraped_labels = {"job": job["job_name"], **job["static_configs"][0]["labels"]}
    assert metric["selector"]["matchLabels"].items() <= scraped_labels.items()
    assert "namespace" in scraped_labels
    assert job["metrics_path"] == "/metrics" and job["scheme"] == "https"
    allowed_hosts = _only(_by_kind("ConfigMap"), "ledgerlens")["data"]["ALLOWED_HOSTS"].split(",")
    assert all(target in allowed_hosts for target in job["static_configs"][0]["targets"])

    # ... and /metrics really serves a series of that name.
    settings.METRICS_TOKEN = "scrape-token"
    response = client.get(
        job["metrics_path"], HTTP_AUTHORIZATION="Bearer scrape-token", secure=True
    )
    assert response.status_code == 200
    assert re.search(rf"^{metric['name']} ", response.content.decode(), re.MULTILINE)


def test_the_pods_run_as_the_user_the_image_creates():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    uid = int(re.search(r"useradd --system --uid (\d+) ledgerlens", dockerfile).group(1))
    assert re.search(r"^USER ledgerlens$", dockerfile, re.MULTILINE)
    for deployment in _by_kind("Deployment").values():
        security = deployment["spec"]["template"]["spec"]["securityContext"]
        assert security == {"runAsNonRoot": True, "runAsUser": uid}


def test_the_image_context_leaves_out_the_virtualenv_local_state_and_secrets():
    ignored = {
        line.strip()
        for line in (ROOT / "docker" / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    secrets = {".env", "docker/.env", "docker/nginx/certs", "docker/k8s/secret.yaml"}
    assert {".git", ".venv", "var", "tests", *secrets} <= ignored
    # The same secrets are ignored by git, so a build from `git archive` never sees them either.
    gitignore = (ROOT / ".gitignore").read_text().splitlines()
    assert {s.rstrip("/") for s in gitignore} >= secrets
