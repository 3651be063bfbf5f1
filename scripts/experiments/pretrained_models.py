"""The comparison models of issue 23 that need no training, as checkpoint directories (config.json only):
SmolLM2-135M with the same local window as the memory model (segment + short-term memory), no
long-term memory: the baseline every claim about the memory is measured against.

    python scripts/experiments/pretrained_models.py --out build/models --segment-len 256 --stm-len 256
"""
from __future__ import annotations

import argparse
from pathlib import Path

from infformer.io.checkpoint import save_checkpoint
from infformer.io.pretrained import SMOLLM2_PACKAGE, load_pretrained, smollm2_gguf_path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="build/models")
    p.add_argument("--segment-len", type=int, default=256)
    p.add_argument("--stm-len", type=int, default=256)
    args = p.parse_args()
    model, tokenizer = load_pretrained(smollm2_gguf_path(), segment_len=args.segment_len, stm_len=args.stm_len)
    d = save_checkpoint(Path(args.out) / "smollm2-local", model, tokenizer,
                        {"note": "SmolLM2-135M-Instruct with a local window only (no long-term memory)",
                         "window": f"segment {args.segment_len} + short-term memory {args.stm_len}"},
                        pretrained=SMOLLM2_PACKAGE)
    print(d)


if __name__ == "__main__":
    main()
