"""The model core imports neither streamlit nor plotly (the dependency points one way)."""
import subprocess
import sys

from conftest import cli_env

PROBE = """
import sys
import infformer, infformer.tracing.record, infformer.cli.main, infformer.training.train, infformer.io.checkpoint, infformer.core.generate
import infformer.corpora.data, infformer.io.tokenizer, infformer.core.memory, infformer.core.model
bad = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly'))
print(','.join(bad))
"""


def forbidden_modules(probe: str, cwd) -> str:
    """Run a probe in a fresh interpreter; it prints the forbidden modules it found loaded."""
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=cwd,
                       env=cli_env())
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_core_imports_no_ui_libraries(tmp_path):
    bad = forbidden_modules(PROBE, tmp_path)
    assert bad == "", f"infformer imported: {bad}"


def test_public_api_names():
    import infformer
    for name in ("GaussianBasis", "fit_coefficients", "reconstruct", "LTMConfig", "ModelConfig", "VARIANTS",
                 "LayerMemory", "MemoryState", "InfFormer"):
        assert hasattr(infformer, name), name
    assert {"none", "stm", "ltm", "sticky"} <= set(infformer.VARIANTS)


VIZ_PROBE = """
import sys
import infformer.viz
from infformer.viz import attention, common, excerpts, experiments, lab, signal, sorting, sticky
bad = sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'
             or m in ('infformer.core.model', 'infformer.tracing.run', 'infformer.tracing.fit_targets', 'infformer.training.train'))
print(','.join(bad))
"""


def test_viz_imports_neither_the_model_nor_streamlit(tmp_path):
    """infformer.viz takes a trace or arrays and returns figures: it cannot run the model."""
    bad = forbidden_modules(VIZ_PROBE, tmp_path)
    assert bad == "", f"infformer.viz imported: {bad}"
