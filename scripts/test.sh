#!/usr/bin/env bash
# Quick start 2: set up (including Chromium for the browser tests), lint (ruff), then run the whole
# test suite in two lanes: the fast lane first (fails early), then the slow and browser tests.
#   scripts/test.sh           everything (what CI runs through .ci/run)
#   scripts/test.sh --fast    lint + the tests not marked slow or browser (about 13 minutes on 2 idle cores)
# Extra arguments go to pytest (e.g. scripts/test.sh --fast tests/core -x).
set -euo pipefail
cd "$(dirname "$0")/.."
fast=""
if [ "${1:-}" = "--fast" ]; then fast=1; shift; fi
if [ -n "$fast" ]; then scripts/setup.sh --tests; else scripts/setup.sh --browser; fi
export HF_HUB_OFFLINE=1
.venv/bin/ruff check .                     # the rule set is in pyproject.toml ([tool.ruff.lint])
.venv/bin/python -m pytest -q -m "not slow and not browser" "$@"
if [ -z "$fast" ]; then
  .venv/bin/python -m pytest -q -m "slow or browser" "$@"
fi
