"""How much of the memory's attention lands on the pass-key sentence, against that sentence's share
of the memory (1.0: no preference; see infformer/tracing/regions.py), for haystacks of several depths.

    python scripts/experiments/passkey_attention.py [--model DIR] [--length 2000] [--threads 1]

Prints JSON: per depth, attention_fraction, memory_share, ratio, and the mean ratio.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from infformer.corpora.passkey import QUERY, needle_span, passkey_text
from infformer.io.checkpoint import DEFAULT_MODEL, load_checkpoint
from infformer.tracing.regions import region_attention, tokens_in_chars
from infformer.tracing.run import trace_text


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(DEFAULT_MODEL))
    p.add_argument("--length", type=int, default=2000)
    p.add_argument("--depths", type=float, nargs="+", default=[0.1, 0.3, 0.5, 0.7])
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, tokenizer, _ = load_checkpoint(args.model)
    rows = []
    with torch.no_grad():
        for depth in args.depths:
            text, key = passkey_text(args.length, depth)
            _, _, trace = trace_text(model, tokenizer, text, QUERY)
            a, b = needle_span(text, key)
            r = region_attention(trace, tokens_in_chars(trace.offsets, a, b))
            rows.append({"depth": depth, "key": key, "tokens": trace.num_tokens, **r})
    ratios = [r["ratio"] for r in rows if np.isfinite(r["ratio"])]
    print(json.dumps({"model": args.model, "length": args.length, "query": QUERY, "depths": rows,
                      "mean_ratio": float(np.mean(ratios)) if ratios else None}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
