"""Reading the deployment files: Dockerfile instructions, compose services, Kubernetes
manifests, and the command lines they all run."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
K8S = ROOT / "deploy" / "k8s"
SCRIPTS = ROOT / "docker"
IMAGE = "sahel-forecast"


def tool(name: str) -> str | None:
    """A command-line tool from the virtualenv (the dev extra installs them) or PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str
    line: int


def dockerfile_instructions(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined; comment lines dropped, as Docker does."""
    found: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not pending:
            start = number
        pending.append(line.removesuffix("\\").strip())
        if line.endswith("\\"):
            continue
        keyword, _, value = " ".join(pending).partition(" ")
        found.append(Instruction(keyword.upper(), value.strip(), start))
        pending = []
    return found


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """The instructions of each build stage, FROM first."""
    result: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def exec_form(value: str) -> list[str]:
    """CMD/ENTRYPOINT/HEALTHCHECK CMD in JSON (exec) form."""
    parsed = json.loads(value)
    assert isinstance(parsed, list), value
    return [str(part) for part in parsed]


def compose_model() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def project_services(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Compose services that run the project's image."""
    return {
        name: service
        for name, service in model["services"].items()
        if str(service.get("image", "")).split(":")[0] == IMAGE
    }


def k8s_documents() -> list[dict[str, Any]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def pod_spec(document: dict[str, Any]) -> dict[str, Any] | None:
    kind = document.get("kind")
    if kind == "Deployment":
        return document["spec"]["template"]["spec"]
    if kind == "CronJob":
        return document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return None


def k8s_containers() -> list[dict[str, Any]]:
    return [
        container
        for document in k8s_documents()
        if (spec := pod_spec(document))
        for container in spec["containers"]
    ]


SCRIPT_FORECAST = re.compile(r"^[ \t]*(?:exec[ \t]+)?(forecast[ \t][^|&;<>$#\n]*)", re.MULTILINE)


def script_commands(path: Path) -> list[list[str]]:
    """The `forecast ...` command lines a shell script runs (literal words only)."""
    return [shlex.split(match) for match in SCRIPT_FORECAST.findall(path.read_text())]


def command_lines() -> dict[str, list[str]]:
    """Every command line the image is started with, by where it comes from."""
    lines: dict[str, list[str]] = {}
    for instruction in dockerfile_instructions(DOCKERFILE.read_text()):
        if instruction.keyword == "CMD":
            lines[f"Dockerfile:{instruction.line} CMD"] = exec_form(instruction.value)
    for name, service in project_services(compose_model()).items():
        lines[f"compose.yaml services.{name}"] = [str(part) for part in service["command"]]
    for container in k8s_containers():
        argv = [*container.get("command", []), *container.get("args", [])]
        lines[f"deploy/k8s container {container['name']}"] = [str(part) for part in argv]
    for script in sorted(SCRIPTS.glob("*.sh")):
        for number, argv in enumerate(script_commands(script)):
            lines[f"docker/{script.name} #{number + 1}"] = argv
    return lines
