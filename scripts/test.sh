#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, then runs
# lint, type checks and pytest (unit, real-process, notebook and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${IPYARTIFACTS_TEST_VENV:-.venv}"

# System parts the tests drive for real: Debian's chromium (browser tests),
# PostgreSQL (catalog tests on a real server) and bindfs (a real FUSE mount, on which
# an embedded store must be refused).
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v bindfs >/dev/null 2>&1 || need_apt+=(bindfs)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "== installing Debian packages the tests drive for real: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "== installing ipyartifacts and its test dependencies into $venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e ".[test]"

echo "== Azurite (Azure Blob emulator) for the object-store blob tests"
[ -d tests/.node/node_modules ] || npm --prefix tests/.node ci --no-audit --no-fund

echo "== widget front-end unit tests (node --test)"
# As the build hook does: (re)install when node_modules is missing or older than the lockfile,
# so a new devDependency (e.g. @jupyter-widgets/html-manager for the browser tests' page) comes.
if [ ! -f js/node_modules/.package-lock.json ] || [ js/node_modules/.package-lock.json -ot js/package-lock.json ]; then
    npm --prefix js ci --no-audit --no-fund
fi
npm --prefix js test

echo "== ruff"
"$venv/bin/ruff" check src tests benchmarks
"$venv/bin/ruff" format --check src tests benchmarks
echo "== mypy (strict on src)"
"$venv/bin/mypy"
echo "== pytest"
"$venv/bin/python" -m pytest "$@"
