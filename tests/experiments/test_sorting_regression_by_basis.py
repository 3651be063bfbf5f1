"""scripts/experiments/sorting_regression_by_basis.py: replaying a model's memory writes offline with
its own basis gives the regression error its evaluation measures, and the replay's errors behave."""
import importlib.util
from pathlib import Path

import torch

from infformer.core.basis import GaussianBasis
from infformer.core.model import InfFormer
from infformer.experiments.sorting.train import evaluate_sorting, sorting_model_config

ROOT = Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location("regression_by_basis",
                                                  ROOT / "scripts" / "experiments" / "sorting_regression_by_basis.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_replay_with_the_models_own_basis_is_the_evaluated_error():
    script = load_script()
    torch.manual_seed(0)
    model = InfFormer(sorting_model_config("ltm", segment_len=16, stm_len=16, num_basis=16, d_model=32, n_layers=2,
                                           n_heads=2, dropout=0.0, gate=True)).eval()
    measured = evaluate_sorting(model, length=60, examples=8, seed=3, batch_size=4)["regression_error"]
    with torch.no_grad():
        batches = script.record_writes(model, 60, 8, 3, batch_size=4)
    assert len(batches) == 2 and len(batches[0]) == 2          # two batches, two layers
    assert batches[0][0].shape[1:] == (4, 16, 32)              # [writes, B, L, e]
    ltm = model.cfg.ltm
    replayed = [script.replay_error(w, model.basis, ltm.num_samples, ltm.tau, ltm.ridge) for b in batches for w in b]
    assert abs(sum(replayed) / len(replayed) - measured) < 1e-4


def test_a_signal_the_basis_can_hold_is_fitted_better_than_noise():
    script = load_script()
    basis = GaussianBasis.paper_layout(32, (0.05, 0.1))
    gen = torch.Generator().manual_seed(0)
    noise = torch.randn(4, 2, 16, 8, generator=gen)              # [writes, B, L, e]: a new symbol at every position
    steady = torch.ones(4, 2, 16, 8) + 0.01 * noise               # the same vector at every position
    assert script.replay_error(steady, basis, 8, 0.75, 1e-3) < 0.1 < script.replay_error(noise, basis, 8, 0.75, 1e-3)
