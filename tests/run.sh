#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then runs them all:
# the Python suite (PostgreSQL, a real Neovim, a real VS Code through code-server
# included) and the VS Code extension's own unit tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)

# PostgreSQL runs the migration for real in the verify tests.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && ! command -v initdb >/dev/null; then
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq postgresql
fi

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# The VS Code extension: its unit tests, the server it carries (frozen, in a virtualenv of
# its own), its .vsix, and the real editor it runs in.
editors/vscode/scripts/setup-e2e.sh >/dev/null
(cd editors/vscode && npm ci --loglevel=error && npm test && npm run bundle-server && npm run package)

# Mermaid's own parser, at the version GitHub renders with, for the schema diagram's tests.
(cd tests/mermaid && npm ci --loglevel=error)

# Lint and types first: a clean tree is part of the contract.
.venv/bin/ruff check server tests bench
.venv/bin/ruff format --check server tests bench
.venv/bin/mypy

exec .venv/bin/python -m pytest tests "$@"
