#!/usr/bin/env bash
# Quick start 2: set up (including Chromium for the browser test), then lint (ruff) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
export HF_HUB_OFFLINE=1
.venv/bin/ruff check .                     # the rule set is in pyproject.toml ([tool.ruff.lint])
exec .venv/bin/python -m pytest -q "$@"
