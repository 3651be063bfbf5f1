"""Helpers for the app tests (tests/test_app_*.py): start the app with Streamlit's AppTest, open
a page, read the Plotly JSON of its figures, and a reference trace of the default example made
with the core directly (to check the figures' numbers against).

AppTest runs the app in this process, so the model and the traces are cached once for all tests.
"""
from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
from infformer.io.checkpoint import DEFAULT_MODEL as DEFAULT_MODEL_DIR  # noqa: E402
from infformer.io.checkpoint import weight_files  # noqa: E402

needs_model = pytest.mark.skipif(not weight_files(DEFAULT_MODEL_DIR),
                                 reason="the shipped default model is missing")


def start(query_params: dict | None = None):
    """A fresh session of the app on its default page, run once."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(APP), default_timeout=600)
    for k, v in (query_params or {}).items():
        at.query_params[k] = str(v)
    at.run()
    assert_clean(at)
    return at


def open_page(name: str, query_params: dict | None = None):
    """A fresh session on pages/<name>.py."""
    at = start(query_params)
    at.switch_page(f"pages/{name}.py").run()
    assert_clean(at)
    return at


def assert_clean(at) -> None:
    assert not at.exception, [e.message for e in at.exception]


def figures(at) -> list:
    """The Plotly JSON (data, layout, frames) of every chart on the page, in page order."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def arr(value) -> np.ndarray:
    """A Plotly JSON array as numpy: plain lists, or Plotly's typed arrays ({"dtype", "bdata", "shape"})."""
    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            out = out.reshape([int(n) for n in str(value["shape"]).split(",")])
        return out
    return np.asarray(value)


def shown(markdown: str) -> str:
    """What a reader sees of a message's Markdown source: backslash escapes (pages/_text.plain) removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def errors(at) -> list:
    """Texts of every st.error, main area and sidebar, as shown."""
    return [shown(e.value) for e in at.error] + [shown(e.value) for e in at.sidebar.error]


def warnings(at) -> list:
    """Texts of every st.warning (the link notices among them: pages/_notices.py), as shown."""
    return [shown(w.value) for w in at.warning] + [shown(w.value) for w in at.sidebar.warning]


def widget(at, kind: str, label: str):
    """The widget of a kind ("selectbox", "toggle", …) whose label starts with `label`."""
    found = [w for w in at.get(kind) if getattr(w, "label", "").startswith(label)]
    assert found, f"no {kind} labelled {label!r}: {[getattr(w, 'label', None) for w in at.get(kind)]}"
    return found[0]


def app_default_queries(trace) -> list:
    """The app's default query tokens: the query's tokens that show some text (not the blank line)."""
    return [i for i in range(trace.num_text_tokens, trace.num_tokens)
            if trace.text[trace.offsets[i, 0]:trace.offsets[i, 1]].strip()]


def parse_mu_sigma(hovertemplate: str) -> tuple[float, float]:
    m = re.search(r"μ = ([-\d.e+]+), σ² = ([-\d.e+]+)", hovertemplate)
    return float(m.group(1)), float(m.group(2))


def trapezoid(y, x) -> float:
    y, x = arr(y).astype(float), arr(x).astype(float)
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x)))


def default_tau() -> str:
    """The default model's τ as the URL writes it (the app's starting value)."""
    from infformer.io.checkpoint import read_config
    return f"{read_config(DEFAULT_MODEL_DIR)[0].ltm.tau:g}"
