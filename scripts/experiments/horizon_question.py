"""What the memory keeps of a long text, and whether a question about its beginning looks there
(issue 23): a long text is traced with a question after it; printed as JSON:
  - the memory's horizon: the share of the memory (Σ span widths, mean over layers) each tenth of the
    text holds at the end (with linear sampling, a part k updates old keeps about τ^k);
  - for the question's tokens: the attention mass on the text's first `--head-chars` characters
    against that stretch's share of the memory (ratio 1.0: no preference), and the cosine between
    the mass vectors of two different questions (1.0: the memory looks the same whatever is asked).

    python scripts/experiments/horizon_question.py --model DIR [--text build/eval/real-english/long-bash.txt]
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from infformer.io.checkpoint import load_checkpoint
from infformer.io.textio import read_text
from infformer.tracing.regions import region_attention, shares_by_part, tokens_in_chars
from infformer.tracing.run import trace_text

QUESTIONS = ("What is the name of this program, and what does its first paragraph say it is?",
             "Which options are described at the very end?")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True)
    p.add_argument("--text", default="build/eval/real-english/long-bash.txt")
    p.add_argument("--head-chars", type=int, default=1500)
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, tokenizer, _ = load_checkpoint(args.model)
    text = read_text(args.text)
    masses, out = [], {"model": args.model, "text": args.text, "questions": []}
    with torch.no_grad():
        for question in QUESTIONS:
            _, _, trace = trace_text(model, tokenizer, text, "\n\n" + question, bf16=args.bf16)
            head = tokens_in_chars(trace.offsets, 0, args.head_chars)
            r = region_attention(trace, head)
            queries = trace.default_queries()
            masses.append(trace.token_attention(queries)[:trace.num_text_tokens])
            out["questions"].append({"question": question, "head_tokens": int(len(head)), **r})
        out["tokens"] = int(trace.num_text_tokens)
        shares = np.mean([shares_by_part(trace, y, 10)[0][-1] for y in range(trace.num_layers)], axis=0)
        out["share_by_tenth"] = [float(f"{s:.3g}") for s in shares]
    a, b = masses
    out["cosine_between_questions"] = float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-300))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
