"""What Figure 4 on every CMU-DoG test conversation costs beside the perplexity alone (issue 27:
`dialogue evaluate --section-attention`), before and after session 17's two changes:

  * the section-attention ratios of a reply: its four document sections one at a time (`region_attention`
    four times: the memory's history replayed and every span's Gaussian mass computed four times), against
    all four in one pass (`regions_attention`, what `section_ratios` does now);
  * the perplexity: a pass of its own beside the traces (before), against the traces' own token losses
    (now: one trace a conversation gives both).

On K conversations of the test split (a seeded sample, the document read first), each timed in the same
run: a perplexity pass (`batched_token_losses`), one trace, the ratios of every reply both ways. Prints the
seconds and the cost of a Figure 4 part relative to a perplexity part, before and after.

Usage: .venv/bin/python bench/figure4_cost.py --threads 1 [--model DIR] [--data DIR] [--conversations 3]
"""
from __future__ import annotations

import argparse
import math
import time

import _common as C
import torch

from infformer.corpora import cmudog
from infformer.experiments.dialogue.reading import conversation_text, select_conversations
from infformer.experiments.dialogue.section_attention import reply_queries
from infformer.io.checkpoint import load_checkpoint
from infformer.tracing.regions import region_attention, regions_attention, tokens_in_chars
from infformer.tracing.run import trace_text
from infformer.training.evaluate import batched_token_losses


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=str(C.ROOT / "assets" / "models" / "smollm2-linear"))
    p.add_argument("--data", default=str(C.ROOT.parent / "shared" / "data" / "cmu_dog" / "full"),
                   help="the condensed CMU-DoG directory")
    p.add_argument("--conversations", type=int, default=3)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    model, tokenizer, _ = load_checkpoint(args.model)
    if model.cfg.ltm is None:
        p.error(f"{args.model} has no long-term memory: Figure 4 measures one")
    convs = select_conversations(cmudog.conversations(args.data, "test"), args.conversations, args.seed)
    documents = cmudog.documents(args.data)
    print(C.machine_line())
    print(f"model {args.model}; {len(convs)} test conversations (seed {args.seed}); float32, eval")
    rows, total = [], [0.0] * 4
    for conv in convs:
        document = documents[conv.document]
        text, turn_chars = conversation_text(document, conv)
        ids = tokenizer.encode(text)[0]
        ppl, _ = timed(lambda ids=ids: batched_token_losses(model, [ids], 1))
        trace_s, (_, _, trace) = timed(lambda text=text: trace_text(model, tokenizer, text))
        regions = [tokens_in_chars(trace.offsets, a, b) for a, b in document.sections]
        replies = [reply_queries(trace.offsets, *turn_chars[k]) for k in range(1, len(conv.turns))]
        replies = [q for q in replies if len(q)]
        one, a = timed(lambda t=trace, rs=regions, qs=replies: [[region_attention(t, r, q) for r in rs] for q in qs])
        all_, b = timed(lambda t=trace, rs=regions, qs=replies: [regions_attention(t, rs, q) for q in qs])
        same = [math.isclose(x["ratio"], y["ratio"], rel_tol=1e-9) or math.isnan(x["ratio"]) and math.isnan(y["ratio"])
                for u, v in zip(a, b, strict=True) for x, y in zip(u, v, strict=True)]
        assert all(same), "the two ways disagree"   # the same sums, in another order
        for i, v in enumerate((ppl, trace_s, one, all_)):
            total[i] += v
        rows.append([len(ids), len(replies), f"{ppl:.1f} s", f"{trace_s:.1f} s", f"{one:.1f} s", f"{all_:.1f} s"])
    C.print_table(["tokens", "replies", "perplexity pass", "one trace", "ratios, a section at a time",
                   "ratios, all sections at once"], rows)
    ppl, trace_s, one, all_ = total
    before, after = ppl + trace_s + one, trace_s + all_
    print(f"ratios: all sections at once {one / all_:.1f}x faster than one at a time")
    print(f"a Figure 4 part (perplexity and Figure 4) over a perplexity part: before {before / ppl:.2f}, "
          f"now {after / ppl:.2f} ({before / after:.2f}x less time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
