"""Checks of the deployment files in Tools/deploy: the Dockerfile and the Kubernetes and KServe manifests, against
each other and against the built vaed's --help. Every flag they pass must exist (with a value where it takes one),
probes must reach the V2 health paths on the --http port, ports must agree, and the grace period must outlast
--shutdown-delay plus --drain-timeout.

vaed is taken from $VAE_BIN_DIR, else from `swift build --show-bin-path`, as test_vaeclient.py takes it. Run from the
repository root: python3 -m pytest -q Tools/tests
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_vaeclient import bin_dir  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "Tools" / "deploy"
LIVE, READY = "/v2/health/live", "/v2/health/ready"
DEFAULT_GRACE_SECONDS = 30  # Kubernetes' terminationGracePeriodSeconds when a pod does not set it
DEFAULT_DRAIN_SECONDS = 10.0  # vaed's --drain-timeout default
KSERVE_HTTP_PORT = 8080  # where KServe sends HTTP when a runtime declares no port
KSERVE_MODEL_DIR = "/mnt/models"  # where KServe's storage initializer puts storageUri's files
GRPC_APP_PROTOCOLS = {"kubernetes.io/h2c", "grpc"}


# =============================================================================
# Reading the files
# =============================================================================

YAML_FILES = sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))
DOCUMENTS = [(path, doc) for path in YAML_FILES
             for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def of_kind(kind: str) -> list[dict]:
    return [doc for _, doc in DOCUMENTS if isinstance(doc, dict) and doc.get("kind") == kind]


def only(kind: str) -> dict:
    docs = of_kind(kind)
    assert len(docs) == 1, f"expected one {kind} under Tools/deploy, found {len(docs)}"
    return docs[0]


def container_named(pod_spec: dict, name: str) -> dict:
    matches = [c for c in pod_spec.get("containers", []) if c.get("name") == name]
    assert len(matches) == 1, f"expected one container named {name}, found {len(matches)}"
    return matches[0]


def vaed_args(container: dict) -> list:
    """The arguments vaed receives: the image's ENTRYPOINT is vaed, `args` replace its CMD, and a `command` (if
    any) must name vaed itself."""
    command = container.get("command") or []
    if command:
        assert Path(str(command[0])).name == "vaed", f"command {command} does not run vaed"
    return list(command[1:]) + list(container.get("args") or [])


def dockerfile_final_stage() -> list[tuple[str, str]]:
    """(INSTRUCTION, rest) for each instruction after the last FROM, continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    logical, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    instructions = [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip() if " " in line.strip() else "")
                    for line in (l.strip() for l in logical)]
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from + 1:]


def dockerfile_exec_form(op: str) -> list[str]:
    found = [rest for o, rest in dockerfile_final_stage() if o == op]
    assert found, f"the Dockerfile's final stage has no {op}"
    value = json.loads(found[-1])  # exec form only: a shell form would not pass the arguments on
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), f"{op} is not in exec form"
    return value


def dockerfile_args() -> list[str]:
    entrypoint = dockerfile_exec_form("ENTRYPOINT")
    assert Path(entrypoint[0]).name == "vaed", f"ENTRYPOINT {entrypoint} does not run vaed"
    return entrypoint[1:] + dockerfile_exec_form("CMD")


# =============================================================================
# vaed's flags
# =============================================================================

HELP_LINE = re.compile(r"^ {2,4}(?:-\w, )?(--[a-z0-9][\w-]*(?:/--[a-z0-9][\w-]*)*)( <[^>]+>)?")


def parse_help(text: str) -> dict[str, bool]:
    """{flag: takes a value} from ArgumentParser's OPTIONS section (`  --name <value>`, `  -h, --help`,
    `  --flag/--no-flag`); description lines are indented further and never start a flag."""
    flags = {}
    for line in text.splitlines():
        match = HELP_LINE.match(line)
        if match:
            for name in match.group(1).split("/"):
                flags[name] = match.group(2) is not None
    return flags


@pytest.fixture(scope="module")
def vaed_flags() -> dict[str, bool]:
    vaed = bin_dir() / "vaed"
    if not vaed.exists():
        pytest.fail(f"{vaed} is not built: run swift build first (Tools/test does), or set VAE_BIN_DIR")
    shown = subprocess.run([str(vaed), "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    flags = parse_help(shown.stdout)
    assert "--model-dir" in flags and flags["--model-dir"], f"no --model-dir in vaed --help:\n{shown.stdout}"
    return flags


def flag_problems(args: list, flags: dict[str, bool]) -> list[str]:
    """What vaed would refuse in `args`: unknown flags, a value missing or given to a flag without one, stray
    words (vaed takes no positional arguments), and non-strings (Kubernetes takes args as strings only)."""
    problems = [f"{a!r} is not a string" for a in args if not isinstance(a, str)]
    args = [str(a) for a in args]
    i = 0
    while i < len(args):
        name, has_inline, inline = args[i].partition("=")
        if not name.startswith("-"):
            problems.append(f"{args[i]!r} is not a flag, nor the value of one")
        elif name not in flags:
            problems.append(f"{name} is not in vaed --help")
            if not has_inline and i + 1 < len(args) and not args[i + 1].startswith("-"):
                i += 1  # its value, presumably: not reported again as a stray word
        elif flags[name] and not has_inline:
            if i + 1 >= len(args) or args[i + 1].startswith("--"):
                problems.append(f"{name} takes a value and has none")
            else:
                i += 1
        elif flags[name] and not inline:
            problems.append(f"{name}= has an empty value")
        elif not flags[name] and has_inline:
            problems.append(f"{name} takes no value")
        i += 1
    return problems


def assert_vaed_accepts(args: list, flags: dict[str, bool], where: str) -> None:
    problems = flag_problems(args, flags)
    assert not problems, f"{where}: vaed {' '.join(map(str, args))}\n  " + "\n  ".join(problems)


def values(args: list) -> dict[str, str]:
    """The last value of each `--flag VALUE` or `--flag=VALUE` (boolean flags are not followed by a value in
    passing manifests; flag_problems says when they are)."""
    args = [str(a) for a in args]
    found = {}
    for i, arg in enumerate(args):
        name, has_inline, inline = arg.partition("=")
        if not name.startswith("--"):
            continue
        if has_inline:
            found[name] = inline
        elif i + 1 < len(args) and not args[i + 1].startswith("--"):
            found[name] = args[i + 1]
    return found


def port_of(address: str) -> int:
    """The port of HOST:PORT, :PORT or PORT (vaed's --http and --grpc forms)."""
    return int(address.rsplit(":", 1)[-1])


def listener_ports(args: list) -> tuple[int, int]:
    given = values(args)
    assert "--http" in given and "--grpc" in given, f"args {args} lack --http or --grpc"
    return port_of(given["--http"]), port_of(given["--grpc"])


def drain_seconds(args: list) -> float:
    """--shutdown-delay plus --drain-timeout, each at vaed's default when not given."""
    given = values(args)
    return float(given.get("--shutdown-delay", 0)) + float(given.get("--drain-timeout", DEFAULT_DRAIN_SECONDS))


def check_probes(container: dict, http_port: int, named_ports: dict[str, int]) -> None:
    """Liveness and readiness probes are httpGet on the V2 health paths, at the --http port."""
    for probe, path in (("livenessProbe", LIVE), ("readinessProbe", READY)):
        assert probe in container, f"container {container.get('name')} has no {probe}"
        get = container[probe].get("httpGet")
        assert get, f"{probe} is not an httpGet probe"
        assert get.get("path") == path, f"{probe} asks {get.get('path')}, not {path}"
        port = get.get("port")
        number = named_ports.get(port) if isinstance(port, str) else port
        assert number is not None, f"{probe} names port {port!r}, which the container does not declare"
        assert number == http_port, f"{probe} asks port {number}, but vaed's --http listens on {http_port}"


# =============================================================================
# Every YAML file
# =============================================================================

def test_the_expected_files_are_there():
    names = {p.relative_to(DEPLOY).as_posix() for p in YAML_FILES}
    for name in ("kubernetes/deployment.yaml", "kubernetes/service.yaml", "kubernetes/hpa.yaml",
                 "kserve/cluster-serving-runtime.yaml", "kserve/inference-service.yaml"):
        assert name in names, f"Tools/deploy/{name} is missing"
    assert (DEPLOY / "Dockerfile").exists()


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.relative_to(DEPLOY).as_posix())
def test_every_document_has_api_version_and_kind(path):
    documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    assert documents, f"{path} holds no document"
    for doc in documents:
        assert isinstance(doc, dict), f"{path}: a document is not a mapping"
        for key in ("apiVersion", "kind"):
            assert isinstance(doc.get(key), str) and doc[key], f"{path}: a document has no {key}"
        assert doc.get("metadata", {}).get("name"), f"{path}: a {doc['kind']} has no metadata.name"


# =============================================================================
# Kubernetes: Deployment, Service, HorizontalPodAutoscaler
# =============================================================================

def deployment() -> dict:
    return only("Deployment")


def pod_spec() -> dict:
    return deployment()["spec"]["template"]["spec"]


def vaed_container() -> dict:
    return container_named(pod_spec(), "vaed")


def declared_ports(container: dict) -> dict[str, int]:
    return {p.get("name", str(p["containerPort"])): p["containerPort"] for p in container.get("ports", [])}


def test_deployment_args_are_vaed_flags(vaed_flags):
    assert_vaed_accepts(vaed_args(vaed_container()), vaed_flags, "kubernetes/deployment.yaml")


def test_deployment_probes_and_ports_match_the_listeners():
    container = vaed_container()
    http_port, grpc_port = listener_ports(vaed_args(container))
    ports = declared_ports(container)
    assert http_port in ports.values(), f"--http port {http_port} is not a declared containerPort"
    assert grpc_port in ports.values(), f"--grpc port {grpc_port} is not a declared containerPort"
    check_probes(container, http_port, ports)


def test_deployment_grace_period_outlasts_the_drain():
    grace = pod_spec().get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
    needed = drain_seconds(vaed_args(vaed_container()))
    assert grace > needed, f"terminationGracePeriodSeconds {grace} <= --shutdown-delay + --drain-timeout {needed}"


def test_deployment_serves_the_models_volume():
    container = vaed_container()
    model_dir = values(vaed_args(container)).get("--model-dir")
    mounts = {m["mountPath"].rstrip("/"): m["name"] for m in container.get("volumeMounts", [])}
    assert model_dir and model_dir.rstrip("/") in mounts, f"--model-dir {model_dir} is not a volumeMount"
    volumes = {v["name"] for v in pod_spec().get("volumes", [])}
    assert mounts[model_dir.rstrip("/")] in volumes, f"the mount at {model_dir} names no volume of the pod"


def test_service_targets_the_declared_ports():
    service, container = only("Service"), vaed_container()
    labels = deployment()["spec"]["template"]["metadata"]["labels"]
    selector = service["spec"]["selector"]
    assert selector and all(labels.get(k) == v for k, v in selector.items()), \
        f"the Service's selector {selector} does not select the Deployment's pods {labels}"
    ports = declared_ports(container)
    targets = {}
    for port in service["spec"]["ports"]:
        target = port.get("targetPort", port["port"])
        number = ports.get(target) if isinstance(target, str) else target
        assert number in ports.values(), f"Service port {port.get('name')} targets {target!r}, not a containerPort"
        targets[number] = port
    assert set(targets) == set(ports.values()), f"the Service reaches {sorted(targets)}, the pod declares " \
                                                f"{sorted(ports.values())}"
    _, grpc_port = listener_ports(vaed_args(container))
    assert targets[grpc_port].get("appProtocol") in GRPC_APP_PROTOCOLS, \
        f"the gRPC Service port's appProtocol is {targets[grpc_port].get('appProtocol')!r}"


def test_hpa_scales_the_deployment_on_cpu():
    hpa = only("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment()["metadata"]["name"])
    assert any(m.get("type") == "Resource" and m["resource"]["name"] == "cpu" for m in hpa["spec"]["metrics"])
    assert vaed_container().get("resources", {}).get("requests", {}).get("cpu"), \
        "CPU utilization is measured against the container's CPU request, which is not set"
    assert 1 <= hpa["spec"].get("minReplicas", 1) <= hpa["spec"]["maxReplicas"]


# =============================================================================
# Dockerfile
# =============================================================================

def test_dockerfile_args_are_vaed_flags(vaed_flags):
    assert_vaed_accepts(dockerfile_args(), vaed_flags, "Dockerfile ENTRYPOINT + CMD")


def test_dockerfile_exposes_the_listeners_and_runs_as_a_user():
    stage = dockerfile_final_stage()
    http_port, grpc_port = listener_ports(dockerfile_args())
    exposed = {int(p.split("/")[0]) for op, rest in stage if op == "EXPOSE" for p in rest.split()}
    assert exposed == {http_port, grpc_port}, f"EXPOSE {sorted(exposed)}, listeners {http_port} and {grpc_port}"
    assert (http_port, grpc_port) == listener_ports(vaed_args(vaed_container())), \
        "the image's default listeners differ from the Deployment's"
    users = [rest for op, rest in stage if op == "USER"]
    assert users, "the final stage has no USER: vaed would run as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER {users[-1]}: runAsNonRoot needs a numeric, non-zero user"
    volumes = {v for op, rest in stage if op == "VOLUME"
               for v in (json.loads(rest) if rest.startswith("[") else rest.split())}
    model_dir = values(dockerfile_args()).get("--model-dir")
    assert model_dir in volumes, f"--model-dir {model_dir} is not a VOLUME of the image"


# =============================================================================
# KServe: ClusterServingRuntime and InferenceService
# =============================================================================

def runtime() -> dict:
    runtime = only("ClusterServingRuntime")
    assert runtime["apiVersion"] == "serving.kserve.io/v1alpha1"
    return runtime


def kserve_container() -> dict:
    return container_named(runtime()["spec"], "kserve-container")


def test_runtime_names_the_container_and_protocols():
    spec = runtime()["spec"]
    assert spec["containers"][0]["name"] == "kserve-container"
    assert {"v2", "grpc-v2"} <= set(spec.get("protocolVersions", [])), spec.get("protocolVersions")
    assert "vaez" in {f["name"] for f in spec.get("supportedModelFormats", [])}


def test_runtime_args_are_vaed_flags(vaed_flags):
    assert_vaed_accepts(vaed_args(kserve_container()), vaed_flags, "kserve/cluster-serving-runtime.yaml")


def test_runtime_listens_and_probes_where_kserve_expects():
    container = kserve_container()
    args = vaed_args(container)
    http_port, _ = listener_ports(args)
    assert values(args).get("--model-dir", "").rstrip("/") == KSERVE_MODEL_DIR
    ports = declared_ports(container)
    # In Knative mode a pod may declare one port; with none, KServe and Knative send HTTP to 8080.
    assert len(ports) <= 1, f"the runtime declares {len(ports)} ports; Knative allows one"
    assert (list(ports.values()) or [KSERVE_HTTP_PORT]) == [http_port], \
        f"--http listens on {http_port}, but KServe sends HTTP to {list(ports.values()) or [KSERVE_HTTP_PORT]}"
    check_probes(container, http_port, ports)
    # A runtime cannot set the pod's grace period: the drain must fit in Kubernetes' default.
    assert drain_seconds(args) < DEFAULT_GRACE_SECONDS


def test_inference_services_use_the_runtime():
    spec = runtime()["spec"]
    args = vaed_args(kserve_container())
    http_port, grpc_port = listener_ports(args)
    services = of_kind("InferenceService")
    assert services, "no InferenceService under Tools/deploy"
    for isvc in services:
        name = isvc["metadata"]["name"]
        assert isvc["apiVersion"] == "serving.kserve.io/v1beta1"
        model = isvc["spec"]["predictor"]["model"]
        assert model.get("runtime") == runtime()["metadata"]["name"], name
        formats = {(f["name"], f.get("version")) for f in spec["supportedModelFormats"]}
        wanted = model["modelFormat"]
        assert any(n == wanted["name"] and wanted.get("version") in (None, v) for n, v in formats), name
        # KServe assumes v1 when protocolVersion is left out.
        assert model.get("protocolVersion") in spec["protocolVersions"], f"{name}: {model.get('protocolVersion')}"
        assert model.get("storageUri"), f"{name} has no storageUri"
        ports = model.get("ports", [])
        assert len(ports) <= 1, f"{name} declares {len(ports)} ports; KServe exposes one"
        for port in ports:
            if model["protocolVersion"].startswith("grpc"):
                assert port["containerPort"] == grpc_port, f"{name}: gRPC on {port['containerPort']}, not {grpc_port}"
                assert "h2c" in port.get("name", "") or "grpc" in port.get("name", ""), \
                    f"{name}: KServe and Knative know a gRPC port by its name (h2c, or containing grpc)"
                # Knative's queue-proxy sends readiness probes to the one declared port: the runtime's HTTP probe
                # would reach the gRPC listener.
                mode = isvc["metadata"].get("annotations", {}).get("serving.kserve.io/deploymentMode")
                assert mode in ("Standard", "RawDeployment"), f"{name}: gRPC port in deployment mode {mode}"
            else:
                assert port["containerPort"] == http_port, f"{name}: HTTP on {port['containerPort']}"
