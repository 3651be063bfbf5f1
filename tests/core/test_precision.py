"""float32 or bf16 autocast, chosen from the hardware and the model's size (core/precision.py)."""
import pytest
import torch

from infformer.core import precision
from infformer.core.precision import AUTO_BF16_PARAMETERS, native_bf16, use_bf16


class Sized(torch.nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.w = torch.nn.Parameter(torch.empty(n), requires_grad=False)


def test_explicit_choices_are_obeyed_whatever_the_hardware():
    small = Sized(10)
    assert use_bf16(small, "bf16") is True
    assert use_bf16(small, "float32") is False


def test_an_unknown_precision_is_named():
    with pytest.raises(ValueError, match="float16"):
        use_bf16(Sized(10), "float16")


@pytest.mark.parametrize("flags, large, expected", [
    ({"avx512_bf16"}, True, True), ({"amx_bf16", "avx2"}, True, True),
    ({"avx2"}, True, False),        # emulated bf16 is slower than float32
    ({"amx_bf16"}, False, False),   # small models stay float32 (their traces unchanged)
])
def test_auto_uses_bf16_only_for_large_models_on_native_bf16(monkeypatch, flags, large, expected):
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset(flags))
    model = Sized(AUTO_BF16_PARAMETERS if large else 1000)
    assert use_bf16(model, "auto") is expected


@pytest.mark.parametrize("asked, recorded, flags, expected", [
    (None, None, {"avx2"}, False), (None, None, {"amx_bf16"}, True),   # a new run: the hardware decides
    (None, True, {"avx2"}, True), (None, False, {"amx_bf16"}, False),  # a resume: the run's own
    (True, False, {"avx2"}, True), (False, True, {"amx_bf16"}, False),  # asked: obeyed
])
def test_training_precision(monkeypatch, asked, recorded, flags, expected):
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset(flags))
    assert precision.training_bf16(asked, "cpu", recorded) is expected


def test_cpu_flags_are_read_or_empty():
    assert isinstance(precision.cpu_flags(), frozenset)
    assert native_bf16("cpu") in (True, False)
