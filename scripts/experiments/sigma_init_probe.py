"""Probe for issue 4: does the initial σ of the long-term attention decide whether it stays diffuse?

Trains two small sticky ∞-formers (2 × 128, N = 128) on Austen for STEPS steps, identical but for
the bias of w_σ: "default" (softplus(0) → σ ≈ 0.83) or "narrow" (σ starts at σ0 = 0.05), then
prints the held-out loss (20 segments × 6 books) and the median / 10th / 90th percentile of σ and
the spread of μ over the last validation segments.

    PYTHONPATH=. .venv/bin/python scripts/experiments/sigma_init_probe.py default 2000
    PYTHONPATH=. .venv/bin/python scripts/experiments/sigma_init_probe.py narrow 2000
"""
import sys, math, time, torch, numpy as np, torch.nn.functional as F
torch.set_num_threads(1); torch.manual_seed(0)
from infformer.config import ModelConfig, LTMConfig
from infformer.model import InfFormer
from infformer.checkpoint import load_checkpoint
from infformer.data import SegmentStreams, load_documents, split_heldout
from infformer.train import KLCollector
mode = sys.argv[1]
_, tok, _ = load_checkpoint()
names, docs = load_documents(["data/austen"], tok)
parts = [split_heldout(d, 0.05) for d in docs]
cfg = ModelConfig.for_variant("sticky", vocab_size=tok.vocab_size, d_model=128, n_layers=2, n_heads=4, d_ff=512,
                              ltm=LTMConfig(num_basis=128, num_samples=128))
m = InfFormer(cfg)
if mode == "narrow":
    for b in m.blocks:
        torch.nn.init.constant_(b.ltm.sigma.bias, math.log(math.expm1(0.05 ** 2)))  # σ starts at σ0 = 0.05
streams = SegmentStreams([p[0] for p in parts], 128, 8)
opt = torch.optim.AdamW(m.parameters(), 1e-3)
st = m.initial_state(8); kl = KLCollector(m); t0 = time.time()
for step in range(int(sys.argv[2])):
    x, y, r = streams.batch(step)
    if r.any(): st = st.reset(r)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        lo, st = m(x, st); loss = F.cross_entropy(lo.float().flatten(0, 1), y.flatten())
    kl.values.clear()
    opt.zero_grad(); loss.backward(); opt.step()
m.eval(); sig = []
h = [b.ltm.hook_sigma_sq.register_forward_hook(lambda mod, i, o: sig.append(o.detach())) for b in m.blocks]; mus = []; [b.ltm.hook_mu.register_forward_hook(lambda mod, i, o: mus.append(o.detach())) for b in m.blocks]
val = SegmentStreams([p[1] for p in parts], 128, 6); s2 = m.initial_state(6); tot = n = 0
with torch.no_grad():
    for k in range(20):
        x, y, r = val.batch(k)
        lo, s2 = m(x, s2); tot += F.cross_entropy(lo.flatten(0, 1), y.flatten(), reduction="sum").item(); n += y.numel()
s = torch.cat([v[s2.layers[0].filled].flatten() for v in sig[-8:]]).sqrt()
print(mode, "steps", sys.argv[2], "val_loss", round(tot / n, 3), "sigma median", round(s.median().item(), 3),
      "p10", round(s.quantile(0.1).item(), 3), "p90", round(s.quantile(0.9).item(), 3), "s", round(time.time() - t0), "mu std", round(torch.cat([v.flatten() for v in mus[-8:]]).std().item(), 3))
