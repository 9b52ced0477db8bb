#!/bin/sh
# Regenerate the lock files from pyproject.toml; run after changing a dependency, commit both.
#   deploy/lock.sh                            keep every pin that still fits, add what is new
#   deploy/lock.sh --upgrade                  move every pin to the newest release that fits
#   deploy/lock.sh --upgrade-package polars   move one pin
# requirements.lock      dependencies + every extra but dev: what the container image installs
# requirements-dev.lock  the same pins plus the dev extra: what `make` installs into .venv
# Both are universal (Linux, macOS and Windows markers) for Python 3.11 and carry hashes, so
# pip installs them in hash-checking mode: the files that were locked, or nothing.
# tests/ops/test_lock.py fails when pyproject.toml asks for something a lock lacks.
set -eu
cd "$(dirname "$0")/.."
UV="${UV:-.venv/bin/uv}"
set -- --custom-compile-command deploy/lock.sh --universal --python-version 3.11 \
    --generate-hashes --quiet "$@"
"$UV" pip compile pyproject.toml --extra postgres --extra scale -o requirements.lock "$@"
# -c: the dev lock pins every shared package at exactly the image's version.
"$UV" pip compile pyproject.toml --all-extras -c requirements.lock -o requirements-dev.lock "$@"
