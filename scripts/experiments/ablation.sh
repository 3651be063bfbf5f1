# Sourced by the evaluation scripts. `ablation MODEL` prints --ablate-ltm when MODEL has a long-term
# memory (its read can be zeroed for the "read zeroed" column) and nothing otherwise, because
# `evaluate --ablate-ltm` refuses a model without one. Usage: mapfile -t ablate < <(ablation "$m")
ablation() {
  "${PY:-.venv/bin/python}" -c "import sys; from infformer.io.checkpoint import read_config
if read_config(sys.argv[1])[0].ltm is not None: print('--ablate-ltm')" "$1"
}
