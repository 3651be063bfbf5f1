"""One sequence of the sorting task through a model, traced: what the Sorting page shows."""
from __future__ import annotations

import torch

from ...tracing.run import trace_text
from .task import NUM_SYMBOLS, SortingRun, make_batch
from .train import model_inputs


def run_sorting(model, tokenizer, length: int, seed: int) -> SortingRun:
    """Trace the model on example (length, seed), fed as `answer_logits` feeds it: the padded
    `model_inputs`, segment by segment from a fresh memory, in float32.

    The example of (length, seed) is the first one `python -m infformer sorting evaluate --length T
    --seed S` scores (`make_batch(T, 1, S, 0)[0]`), so `--examples 1` reproduces its accuracy."""
    example = make_batch(length, 1, seed, 0)[0]
    ids = model_inputs(torch.from_numpy(example)[None], model.cfg.segment_len)[0].tolist()
    # the symbols as text give the trace its token labels; the answer part is the trace's "query"
    logits, _, trace = trace_text(model, tokenizer, tokenizer.decode(ids[:-NUM_SYMBOLS]),
                                  tokenizer.decode(ids[-NUM_SYMBOLS:]), keep_logits=True)
    if trace.token_ids.tolist() != ids:
        raise ValueError("the model's tokenizer does not spell the sorting symbols back (not a sorting model?)")
    probs = torch.softmax(logits[0, -NUM_SYMBOLS:].float(), -1).numpy()
    return SortingRun(example, probs, trace)
