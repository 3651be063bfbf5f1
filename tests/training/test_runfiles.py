"""Learning curves thinned for the repository keep what the plots and tables read."""
import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from infformer.training.runfiles import thin_metrics


def metrics(steps: int, eval_every: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    step = np.arange(1, steps + 1)
    val = np.where(step % eval_every == 0, rng.uniform(2, 3, steps), np.nan) if eval_every else np.nan
    return pd.DataFrame({"step": step, "tokens": step * 1024, "loss": rng.uniform(3, 4, steps),
                         "lr": 1e-3 / step, "val_loss": val, "seconds": step * 0.5})


@given(st.integers(1, 400), st.integers(0, 120), st.integers(1, 60))
def test_thinned_curve_keeps_every_validation_the_last_step_and_block_means(steps, eval_every, every):
    raw = metrics(steps, eval_every)
    thin = thin_metrics(raw, every)
    assert list(thin.columns) == list(raw.columns)
    assert thin["step"].is_monotonic_increasing and thin["step"].is_unique
    assert thin["step"].iloc[-1] == steps and thin["seconds"].iloc[-1] == raw["seconds"].iloc[-1]
    checks = raw.dropna(subset=["val_loss"])
    kept = thin.dropna(subset=["val_loss"])
    assert kept["step"].tolist() == checks["step"].tolist() and kept["val_loss"].tolist() == checks["val_loss"].tolist()
    assert len(thin) <= -(-steps // every) + len(checks)
    for end in range(every, steps + 1, every):  # each block's mean sits at its last step
        want = raw["loss"].iloc[end - every:end].mean()
        assert np.isclose(thin.loc[thin["step"] == end, "loss"].iloc[0], want)
