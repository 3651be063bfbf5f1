"""One call on a lent accelerator (issue 12): the CUDA tests, a training step, per-segment cost and
throughput, written as a Markdown section for bench/RESULTS.md.

Run there through bench/gpu_check.sh (the device machine's python3 holds a CUDA PyTorch, pytest and
hypothesis, not the app's packages). Everything it measures uses the shipped model's shape (4 × 256,
segment 128, short-term memory 128, N = 256), random weights, batch 1 unless said:

  * the CUDA tests (tests/core/test_model.py -k cuda: CPU and GPU logits and provenance agree);
  * a training step, batch 8 × 128 tokens with the memory carried, float32 and bf16 autocast;
  * ms per segment of the ∞-former (linear, sticky) against the same model's Transformer-XL, interleaved;
  * tokens/s over a --tokens stream, states without provenance (scoring) and with it (a trace's).

    python3 bench/gpu_check.py --out results.md [--tokens 100000]
    .venv/bin/python bench/gpu_check.py --out /tmp/x.md --device cpu --tokens 2560 --steps 1   # a dry run here
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from infformer.core.config import LTMConfig, ModelConfig  # noqa: E402
from infformer.core.model import InfFormer  # noqa: E402

DEVICE = "cuda"
SHAPE = dict(d_model=256, n_layers=4, n_heads=4, d_ff=1024, segment_len=128, stm_len=128, dropout=0.0, vocab_size=4096)


def build(variant: str) -> InfFormer:
    ltm = None if variant == "stm" else LTMConfig(num_basis=256, tau=0.75, sticky=variant == "sticky")
    torch.manual_seed(0)
    return InfFormer(ModelConfig.for_variant(variant, ltm=ltm, **SHAPE)).to(DEVICE)


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def synced(fn) -> float:
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - t0


def train_step_ms(variant: str, bf16: bool, steps: int) -> float:
    model = build(variant).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randint(0, 4096, (8, 257), device=DEVICE)
    times = []
    for _ in range(steps + 3):
        def step():
            state = model.initial_state(8, provenance=False)
            with torch.no_grad(), torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=bf16):
                _, state = model(x[:, :128], state)
            with torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=bf16):
                logits, _ = model(x[:, 128:256], state)
                loss = F.cross_entropy(logits.float().reshape(-1, 4096), x[:, 129:257].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        times.append(synced(step))
    return 1e3 * statistics.median(times[3:])


def segment_ms(rounds: int) -> dict:
    models = {v: build(v).eval() for v in ("stm", "ltm", "sticky")}
    tokens = torch.randint(0, 4096, (1, 128 * 9), device=DEVICE)
    times = {v: [] for v in models}
    with torch.no_grad():
        states = {v: m(tokens[:, :-128], m.initial_state(1, provenance=False))[1] for v, m in models.items()}
        for _ in range(rounds):
            for v, m in models.items():
                times[v].append(synced(lambda m=m, v=v: m(tokens[:, -128:], states[v])))
    return {v: 1e3 * statistics.median(t) for v, t in times.items()}


def throughput(variant: str, num_tokens: int, provenance: bool) -> float:
    model = build(variant).eval()
    tokens = torch.randint(0, 4096, (1, num_tokens), device=DEVICE)
    def stream():
        state = model.initial_state(1, provenance=provenance)
        for a in range(0, num_tokens, 128):
            state = model(tokens[:, a:a + 128], state)[1]

    with torch.no_grad():
        return num_tokens / synced(stream)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--tokens", type=int, default=100_000)
    p.add_argument("--steps", type=int, default=20, help="timed training steps (and segment rounds: 2.5×)")
    p.add_argument("--device", default="cuda")
    args = p.parse_args(argv)
    global DEVICE
    DEVICE = args.device
    if DEVICE == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: nothing to check", file=sys.stderr)
        return 2
    lines = [f"## On the accelerator ({time.strftime('%Y-%m-%d')})", "",
             f"{torch.cuda.get_device_name() if DEVICE == 'cuda' else 'CPU (dry run)'}, torch {torch.__version__}, Python {sys.version.split()[0]}; "
             "command: `bench/gpu_check.sh` (bench/gpu_check.py)", ""]
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "cuda",
                            "tests/core/test_model.py"], cwd=ROOT, capture_output=True, text=True)
    lines += ["CUDA tests (`pytest tests/core/test_model.py -k cuda`): " + (tests.stdout.strip().splitlines() or ["?"])[-1], ""]
    print(tests.stdout[-2000:], tests.stderr[-2000:], flush=True)
    lines += ["| training step, batch 8 × 128, memory carried | float32 ms | bf16 autocast ms |", "|---|---|---|"]
    for v in ("stm", "ltm", "sticky"):
        lines.append(f"| {v} | {train_step_ms(v, False, args.steps):.1f} | {train_step_ms(v, True, args.steps):.1f} |")
        print(lines[-1], flush=True)
    seg = segment_ms(int(2.5 * args.steps))
    lines += ["", "| per segment (128 tokens, batch 1, interleaved medians) | ms | / Transformer-XL |", "|---|---|---|"]
    lines += [f"| {v} | {ms:.2f} | {ms / seg['stm']:.2f} |" for v, ms in seg.items()]
    lines += ["", f"| stream of {args.tokens:,} tokens, batch 1 | tokens/s without provenance | with provenance (a trace's state) |",
              "|---|---|---|"]
    for v in ("stm", "ltm", "sticky"):
        lines.append(f"| {v} | {throughput(v, args.tokens, False):,.0f} | {throughput(v, args.tokens, True):,.0f} |")
        print(lines[-1], flush=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
