"""The ∞-former beside the memory transformers a user would pick instead, measured in one run (issue 12).

Every model is built at the same size: 4 layers × 256, 4 heads of 64, feed-forward 1,024, vocabulary
4,096, segments of 128 tokens, random initialisation, float32, batch 1, one torch thread by default.
Memories, as each project builds them (defaults otherwise):

  infformer ∞-former         short-term memory 128 + continuous long-term memory (N = 256, τ = 0.75)
  infformer ∞-former sticky  the same with sticky memories
  infformer Transformer-XL   short-term memory 128
  x-transformers             XL memory 128 (max_mem_len), rotary positions
  compressive-transformer    memory 128 + compressed memory 128 (ratio 4), its GRU-gated residuals
  recurrent-memory-transf.   32 memory tokens and its default XL memory (128)
  infini-transformer         its compressive (linear-attention) memory per layer
  memorizing-transformers    kNN memory (faiss) on layer 3 of 4, 32 neighbours, XL memory 128

What is printed, for each model:
  * tokens/s over a stream of --tokens tokens, the models stepped round-robin segment by segment,
    so that the machine's noise falls on all of them alike, timed in CPU seconds of this process
    (time.process_time: every thread it runs, faiss's included), not wall time: on a shared machine
    a busy neighbour pre-empts the slower calls more often, which swung wall-time ratios by ±50%;
  * ms per segment early (median of segments 5-15) and late (the last 10): flat or growing;
  * peak memory: each model streams alone in a child process (--peak-tokens) and reports its
    resident-set high-water mark above what it held once built (VmHWM);
  * a training step: AdamW on a batch of 8 segments with the memory of one segment before carried
    (forward, cross-entropy, its auxiliary loss where it has one, backward), median of --train-steps.

The peers are not the app's dependencies: they live in a benchmark-only virtual environment,
bench/.venv-peers, made on the first run from bench/requirements-peers.txt (torch pinned to the
project's 2.13.0, so pip takes the local CPU wheel). Known snags, handled here:
memorizing-transformers-pytorch imports `einops-exts` without declaring it (pinned in the file);
infini-transformer-pytorch's `detach_memories=True` fails on its first segment (detached here).

    .venv/bin/python bench/peers.py [--tokens 65536] [--threads 1] [--only NAME ...]

The ∞-former of the paper's authors is on no registry and has no licence: it is not here.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as C

HERE = Path(__file__).resolve().parent
VENV = Path(os.environ.get("INFFORMER_PEERS_VENV", HERE / ".venv-peers"))  # the variable: an existing one
REQUIREMENTS = HERE / "requirements-peers.txt"
VOCAB, DIM, DEPTH, HEADS, DIM_HEAD, SEGMENT = 4096, 256, 4, 4, 64, 128


def ensure_environment() -> None:
    """Re-run this script inside bench/.venv-peers, making it first if need be."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV / "bin" / "python"
    stamp = VENV / ".requirements"
    want = REQUIREMENTS.read_text()
    if not python.exists() or not stamp.exists() or stamp.read_text() != want:
        print(f"making the benchmark environment {VENV} (once) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", str(REQUIREMENTS)], check=True)
        stamp.write_text(want)
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


# ------------------------------------------------------------------------------------ the models
# Each adapter: build() -> model; start(model, batch) -> memory; step(model, x, memory) ->
# (logits, memory, auxiliary loss or None). Memories are detached between segments, as in training.
def detach(tree):
    import torch
    if isinstance(tree, torch.Tensor):
        return tree.detach()
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(detach(t) for t in tree))
    if isinstance(tree, (list, tuple)):
        return type(tree)(detach(t) for t in tree)
    return tree


class Infformer:
    def __init__(self, variant: str):
        self.variant = variant
        self.name = {"ltm": "infformer ∞-former", "sticky": "infformer ∞-former sticky",
                     "stm": "infformer Transformer-XL"}[variant]
        self.package = "this project"

    def build(self):
        from infformer.core.config import LTMConfig, ModelConfig
        from infformer.core.model import InfFormer
        ltm = None if self.variant == "stm" else LTMConfig(num_basis=256, tau=0.75, sticky=self.variant == "sticky")
        return InfFormer(ModelConfig.for_variant(self.variant, ltm=ltm, d_model=DIM, n_layers=DEPTH, n_heads=HEADS,
                                                 d_ff=4 * DIM, segment_len=SEGMENT, stm_len=SEGMENT, dropout=0.0,
                                                 vocab_size=VOCAB))

    def start(self, model, batch):
        return model.initial_state(batch, provenance=False)  # no token spans: those are for a trace

    def step(self, model, x, memory):
        logits, memory = model(x, memory)
        return logits, memory, None


class XTransformers:
    name, package = "x-transformers (XL memory 128)", "x-transformers"

    def build(self):
        from x_transformers import Decoder, TransformerWrapper
        return TransformerWrapper(num_tokens=VOCAB, max_seq_len=SEGMENT, max_mem_len=SEGMENT,
                                  attn_layers=Decoder(dim=DIM, depth=DEPTH, heads=HEADS, attn_dim_head=DIM_HEAD,
                                                      ff_mult=4, rotary_pos_emb=True))

    def start(self, model, batch):
        return None

    def step(self, model, x, memory):
        logits, memory = model(x, mems=memory, return_mems=True)
        return logits, detach(memory), None


class Compressive:
    name, package = "compressive-transformer (128 + 128)", "compressive-transformer-pytorch"

    def build(self):
        from compressive_transformer_pytorch import CompressiveTransformer
        return CompressiveTransformer(num_tokens=VOCAB, dim=DIM, seq_len=SEGMENT, depth=DEPTH, heads=HEADS,
                                      mem_len=SEGMENT, cmem_len=SEGMENT, cmem_ratio=4)

    def start(self, model, batch):
        return None

    def step(self, model, x, memory):
        logits, memory, aux = model(x, memories=memory)
        return logits, detach(memory), aux


class RecurrentMemory:
    name, package = "recurrent-memory-transformer (32 tokens)", "recurrent-memory-transformer-pytorch"

    def build(self):
        from recurrent_memory_transformer_pytorch import RecurrentMemoryTransformer
        return RecurrentMemoryTransformer(dim=DIM, num_tokens=VOCAB, depth=DEPTH, num_memory_tokens=32,
                                          seq_len=SEGMENT, dim_head=DIM_HEAD, heads=HEADS, ff_mult=4)

    def start(self, model, batch):
        return (None, None)

    def step(self, model, x, memory):
        read, xl = memory
        logits, written, xl = model(x, read, xl_memories=xl)
        return logits, (detach(written), detach(xl)), None


class Infini:
    name, package = "infini-transformer", "infini-transformer-pytorch"

    def build(self):
        from infini_transformer_pytorch import InfiniTransformer
        return InfiniTransformer(num_tokens=VOCAB, dim=DIM, depth=DEPTH, dim_head=DIM_HEAD, heads=HEADS, ff_mult=4)

    def start(self, model, batch):
        return None

    def step(self, model, x, memory):
        # detach_memories=True fails on the first segment in 0.2.1: detach here instead
        out = model(x, past_memories=memory, return_new_memories=True)
        return out.logits, detach(out.past_memories), None


class Memorizing:
    name, package = "memorizing-transformers (kNN)", "memorizing-transformers-pytorch"

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="knn-memories-")

    def build(self):
        from memorizing_transformers_pytorch import MemorizingTransformer
        return MemorizingTransformer(num_tokens=VOCAB, dim=DIM, depth=DEPTH, heads=HEADS, dim_head=DIM_HEAD,
                                     ff_mult=4, memorizing_layers=(3,), max_knn_memories=2 ** 17,
                                     num_retrieved_memories=32, xl_max_memories=SEGMENT,
                                     knn_memories_directory=self.directory)

    def start(self, model, batch):
        return (model.create_knn_memories(batch_size=batch), None)

    def step(self, model, x, memory):
        knn, xl = memory
        logits, xl = model(x, knn_memories=knn, xl_memories=xl)
        return logits, (knn, detach(xl)), None


def adapters() -> list:
    return [Infformer("ltm"), Infformer("sticky"), Infformer("stm"), XTransformers(), Compressive(),
            RecurrentMemory(), Infini(), Memorizing()]


# ------------------------------------------------------------------------------------ measuring
def stream(peers: list, tokens, seed: int = 0):
    """Step every model through `tokens` [1, T] segment by segment, round-robin: -> seconds [model][segment]."""
    import torch
    torch.manual_seed(seed)
    models = [p.build().eval() for p in peers]
    memories = [p.start(m, 1) for p, m in zip(peers, models, strict=False)]
    times = [[] for _ in peers]
    with torch.no_grad():
        for a in range(0, tokens.shape[1], SEGMENT):
            x = tokens[:, a:a + SEGMENT]
            for i, (p, m) in enumerate(zip(peers, models, strict=False)):
                t0 = time.process_time()
                _, memories[i], _ = p.step(m, x, memories[i])
                times[i].append(time.process_time() - t0)
    return times


def train_steps(peer, tokens, steps: int, batch: int = 8) -> list:
    """CPU seconds per AdamW step on [batch, SEGMENT] with the memory of the segment before carried."""
    import torch
    import torch.nn.functional as F
    torch.manual_seed(0)
    model = peer.build().train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    rows = tokens[0, :batch * (2 * SEGMENT + 1)].view(batch, -1)
    seconds = []
    for _ in range(steps + 1):  # the first step warms up (allocations, faiss index)
        memory = peer.start(model, batch)
        with torch.no_grad():
            _, memory, _ = peer.step(model, rows[:, :SEGMENT], memory)
        t0 = time.process_time()
        logits, _, aux = peer.step(model, rows[:, SEGMENT:2 * SEGMENT], memory)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), rows[:, SEGMENT + 1:2 * SEGMENT + 1].reshape(-1))
        if aux is not None:
            loss = loss + aux
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        seconds.append(time.process_time() - t0)
    return seconds[1:]


def peak_child(index: int, num_tokens: int, threads: int) -> float:
    """Peak resident memory (MiB) a model adds while streaming alone, in a fresh process."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child-peak", str(index),
                          "--tokens", str(num_tokens), "--threads", str(threads)],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def child_peak(index: int, num_tokens: int) -> None:
    import torch
    peer = adapters()[index]
    tokens = torch.randint(0, VOCAB, (1, num_tokens), generator=torch.Generator().manual_seed(1))
    model = peer.build().eval()
    built = C.peak_rss_self_mib()
    memory = peer.start(model, 1)
    with torch.no_grad():
        for a in range(0, num_tokens, SEGMENT):
            _, memory, _ = peer.step(model, tokens[:, a:a + SEGMENT], memory)
    print(f"{C.peak_rss_self_mib() - built:.1f}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tokens", type=int, default=65536, help="stream length (a multiple of 128)")
    p.add_argument("--peak-tokens", type=int, default=None, help="stream of each peak-memory child (default --tokens)")
    p.add_argument("--train-steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--only", nargs="*", help="models whose name contains one of these strings")
    p.add_argument("--child-peak", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.tokens < 20 * SEGMENT or args.tokens % SEGMENT:
        p.error(f"--tokens must be a multiple of {SEGMENT} and at least {20 * SEGMENT}")
    ensure_environment()
    import torch
    torch.set_num_threads(args.threads)
    if args.child_peak is not None:
        child_peak(args.child_peak, args.tokens)
        return 0
    from importlib.metadata import version

    everyone = adapters()
    chosen = [i for i, a in enumerate(everyone) if not args.only or any(s in a.name for s in args.only)]
    peers = [everyone[i] for i in chosen]
    print(C.machine_line().replace("torch threads", "torch threads (this run)"))
    print(f"models: {DEPTH} layers × {DIM}, {HEADS} heads of {DIM_HEAD}, FFN {4 * DIM}, vocab {VOCAB}, "
          f"segments of {SEGMENT}, batch 1, float32, {args.threads} thread(s); stream of {args.tokens:,} random tokens")
    for peer in peers:
        if peer.package != "this project":
            print(f"  {peer.package} {version(peer.package)}")
    tokens = torch.randint(0, VOCAB, (1, args.tokens), generator=torch.Generator().manual_seed(0))
    t0 = time.perf_counter()
    times = stream(peers, tokens)
    print(f"streamed in {time.perf_counter() - t0:.0f} s (round-robin)", flush=True)
    rows = []
    reference = None
    for i, peer in zip(chosen, peers, strict=False):
        seconds = times[peers.index(peer)]
        rate = args.tokens / sum(seconds)
        train = C.median(train_steps(peer, tokens, args.train_steps))
        peak = peak_child(i, args.peak_tokens or args.tokens, args.threads)
        if peer.name == "infformer ∞-former":
            reference = rate
        rows.append([peer.name, f"{rate:,.0f}", f"{1e3 * C.median(seconds[5:16]):.1f} → {1e3 * C.median(seconds[-10:]):.1f}",
                     f"{peak:,.0f}", f"{1e3 * train:.0f}", sum(x.numel() for x in peer.build().parameters())])
        print(f"  measured {peer.name}", flush=True)
    print()
    C.print_table(["model", "tokens/s", "ms/segment early → late", "peak MiB", "train step ms (batch 8)", "parameters"],
                  [r[:5] + [f"{r[5]:,}"] for r in rows])
    if reference:
        print("\ntokens/s against the infformer ∞-former (above 1: faster than it):")
        for r in rows:
            print(f"  {r[0]}: {float(r[1].replace(',', '')) / reference:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
