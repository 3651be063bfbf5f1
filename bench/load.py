"""The app server under load: does one visitor's long trace hold the others back, and does the
server's memory come back down? (issue 25)

    .venv/bin/python bench/load.py [--sessions 6] [--long-words 40000] [--short-words 400]
                                   [--cache-mb 150] [--model DIR] [--threads 1]

Runs the app's own job registry (pages/_jobs.py) with the app's own computation (`trace_with_targets`,
as pages/_runs.py calls it) in this process, which stands for the server: session 0 submits a long text,
and one second later sessions 1..K-1 each submit a short text of their own. Twice: with the app's turns
(a job gives its slot up after each segment to the job whose visitors were served longest ago), and with
a plain first-come queue (the registry before issue 25). Prints, for each: every session's wall time from
submission to its result, the short sessions' median and slowest, and the ratio queue/turns. Then the
server's memory (this process's resident set): before any trace, at its peak, after every result is
cached, and after the cache's budget (--cache-mb, as INFFORMER_CACHE_MB) evicted the oldest results.
Ratios within one run; nothing asserted.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import threading
import time

import _common as C  # noqa: F401  (puts the project root on sys.path)
import torch

from infformer.core.heap import bound_heap, release_memory
from infformer.io.checkpoint import SMALL_MODEL, load_checkpoint
from infformer.tracing.fit_targets import trace_with_targets
from pages import _jobs
from pages._jobs import Jobs


def rss_mb() -> float:
    import os
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class Peak(threading.Thread):
    """Samples the resident set every 50 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.running = rss_mb(), True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.05)


class Queue(Jobs):
    """The registry before issue 25: first come, first served (a job keeps its slot to the end)."""

    def _priority(self, job):
        return 0, job.ticket


class Result:
    def __init__(self, trace, targets):
        self.trace, self.targets = trace, targets

    def nbytes(self):
        return self.trace.nbytes() + (self.targets.nbytes() if self.targets is not None else 0)


def texts(sessions: int, long_words: int, short_words: int) -> list:
    words = C.austen_text().split()
    out = [" ".join(words[:long_words])]
    for k in range(1, sessions):
        start = long_words + k * short_words * 3
        out.append(" ".join(words[start:start + short_words]))
    return out


def workload(jobs: Jobs, model, tokenizer, docs: list, tag: str) -> list:
    """Submit session 0's long text, then the others one second later; wall time of each session."""
    finished = [0.0] * len(docs)

    def compute(k: int):
        def run(on_segment):
            result = Result(*trace_with_targets(model, tokenizer, docs[k], None, on_segment=on_segment))
            finished[k] = time.perf_counter()
            return result
        return run

    t0 = time.perf_counter()
    submitted = [jobs.submit(f"{tag}-0", compute(0), session="s0")]
    time.sleep(1.0)
    t1 = time.perf_counter()
    submitted += [jobs.submit(f"{tag}-{k}", compute(k), session=f"s{k}") for k in range(1, len(docs))]
    for job in submitted:
        job.future.result()
    return [finished[0] - t0] + [f - t1 for f in finished[1:]]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=6)
    p.add_argument("--long-words", type=int, default=40_000)
    p.add_argument("--short-words", type=int, default=400)
    p.add_argument("--cache-mb", type=float, default=150.0)
    p.add_argument("--model", default=str(SMALL_MODEL))
    p.add_argument("--threads", type=int, default=1, help="torch threads (one slot per thread of the cores asked)")
    p.add_argument("--slots", type=int, default=1, help="jobs computing at once (the app: cores / threads)")
    args = p.parse_args()
    bound_heap()  # as app.py does
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    print(C.machine_line())
    model, tokenizer, _ = load_checkpoint(args.model)
    docs = texts(args.sessions, args.long_words, args.short_words)
    lengths = [len(tokenizer.encode(d)[0]) for d in docs]
    print(f"model {args.model}; session 0: {lengths[0]:,} tokens; sessions 1-{args.sessions - 1}: "
          f"{min(lengths[1:]):,}-{max(lengths[1:]):,} tokens each; {args.slots} slot(s), {args.threads} thread(s)")
    _jobs.MAX_RESULT_BYTES = int(args.cache_mb * 1e6)
    before = rss_mb()
    peak = Peak()
    peak.start()
    results = {}
    for name, cls in (("turns (the app)", Jobs), ("first-come queue", Queue)):
        jobs = cls(args.slots)
        results[name] = workload(jobs, model, tokenizer, docs, name)
    peak.running = False
    cached = rss_mb()
    print(f"\n{'policy':<18}{'long':>8}{'short median':>14}{'short slowest':>15}   (seconds from each one's submission)")
    for name, times in results.items():
        print(f"{name:<18}{times[0]:>8.1f}{statistics.median(times[1:]):>14.1f}{max(times[1:]):>15.1f}")
    turns, queue = results["turns (the app)"], results["first-come queue"]
    print(f"short sessions wait {statistics.median(queue[1:]) / statistics.median(turns[1:]):.1f}x longer (median) "
          f"in a first-come queue; the long one takes {turns[0] / queue[0]:.2f}x as long with turns")
    # the memory: fill a registry past its budget, then see what eviction gives back
    jobs = Jobs(args.slots)
    for k in range(8):
        jobs.submit(f"mem-{k}", lambda on_segment, k=k: Result(*trace_with_targets(
            model, tokenizer, docs[0][k * 1000:], None, on_segment=on_segment)), session=f"m{k}").future.result()
    filled = rss_mb()
    gc.collect()
    release_memory()  # what the registry does after an eviction
    after = rss_mb()
    print(f"\nserver memory (resident): before {before:,.0f} MB (model loaded), peak {max(peak.peak, filled):,.0f} MB, "
          f"after the workload {cached:,.0f} MB; after 8 more long traces with a {args.cache_mb:,.0f} MB cache "
          f"({jobs.cached_bytes() / 1e6:,.0f} MB of results kept): {filled:,.0f} MB, {after:,.0f} MB once freed pages "
          "are handed back")


if __name__ == "__main__":
    main()
