#!/usr/bin/env bash
# Quick start 1: set up, then open the memory explorer on the shipped default model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HF_HUB_OFFLINE=1
exec .venv/bin/python -m streamlit run app.py "$@"
