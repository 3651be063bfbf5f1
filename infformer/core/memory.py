"""The unbounded long-term memory as a value: state dataclasses and the pure update functions.

Shape letters: B batch, S short-term memory length, L segment length, p tokens of the current
(unfinished) segment, e model width, N basis functions, M samples of the old signal, D sticky
bins, C provenance capacity (token spans kept per layer), H heads, T queries.

One update (paper section 3.2): evaluate the old signal X̄ at M positions s_k (linear: k/M;
sticky: drawn from the attention histogram), place those M vectors in [0, τ] (the contraction),
place the L incoming vectors in (τ, 1], refit the coefficients. Stored values are detached.
"""
from __future__ import annotations

import dataclasses
import json
from collections import OrderedDict
from dataclasses import dataclass

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import Tensor

from .basis import GaussianBasis
from .regression import fit_coefficients, reconstruct, solve_matrix


# ---------------------------------------------------------------------------------- positions
def token_slots(num: int, start: float = 0.0, end: float = 1.0, dtype=torch.float64) -> Tensor:
    """Edges [num + 1] of `num` equal slots tiling [start, end]: token i occupies [edge_i, edge_i+1]."""
    return start + (end - start) * torch.arange(num + 1, dtype=dtype) / num


def slot_midpoints(num: int, start: float = 0.0, end: float = 1.0, dtype=torch.float64) -> Tensor:
    """Midpoints [num] of those slots: where each vector sits in the fit."""
    edges = token_slots(num, start, end, dtype)
    return 0.5 * (edges[:-1] + edges[1:])


def linear_sample_positions(batch: int, num_samples: int, device=None) -> Tensor:
    """Linear sampling s_k = (k + ½)/M, the same for every row: [B, M] float64 (the warp of the
    spans uses these exact values, so linear sampling shrinks every span by exactly τ)."""
    return slot_midpoints(num_samples).to(device=device).expand(batch, num_samples)


# ------------------------------------------------------------------------------- sticky memories
def bin_mass(mu: Tensor, sigma_sq: Tensor, num_bins: int) -> Tensor:
    """Σ_heads Σ_queries ∫_bin N(t; μ, σ²) dt for D equal bins of [0, 1]: [B, H, T] -> [B, D]."""
    edges = torch.linspace(0.0, 1.0, num_bins + 1, device=mu.device, dtype=torch.float32)
    sigma = sigma_sq.float().sqrt().unsqueeze(-1)
    cdf = torch.special.ndtr((edges - mu.float().unsqueeze(-1)) / sigma)  # [B, H, T, D+1]
    return (cdf[..., 1:] - cdf[..., :-1]).sum(dim=(1, 2))


def bin_probabilities(mass: Tensor) -> Tensor:
    """Normalise accumulated bin mass to a histogram; rows with no mass become uniform: [B, D]."""
    total = mass.sum(-1, keepdim=True)
    uniform = torch.full_like(mass, 1.0 / mass.shape[-1])
    return torch.where(total > 0, mass / total.clamp_min(1e-30), uniform)


def sticky_sample_positions(bin_probs: Tensor, num_samples: int, generator: torch.Generator) -> Tensor:
    """Draw M positions from the D-bin histogram: [B, D] -> sorted [B, M] float64 in (0, 1).

    Bins are drawn i.i.d. (as the reference code does); the n_j samples that fall in bin j are
    spread evenly inside it, at (j + (r + ½)/n_j)/D, instead of all sitting on its left edge.
    That keeps the warp from old to new coordinates strictly increasing, so an attended bin
    gets more of [0, τ] for its own content (and its tokens' spans widen), which is the point.

    The draws are by inverse CDF from one set of M uniforms shared by the rows, so a row's
    samples depend only on its own histogram and the generator, never on which other
    sequences share its batch: a text scores the same alone or batched with others.
    """
    B, D = bin_probs.shape
    u = torch.rand(num_samples, generator=generator, dtype=torch.float64)
    cdf = bin_probs.detach().double().cpu().cumsum(-1)
    cdf = cdf / cdf[:, -1:].clamp_min(1e-300)
    draws = torch.searchsorted(cdf, u.expand(B, -1).contiguous(), right=True).clamp_(max=D - 1)
    bins = draws.sort(dim=-1).values  # [B, M]
    counts = torch.zeros(B, D, dtype=torch.long).scatter_add_(1, bins, torch.ones_like(bins))
    first = counts.cumsum(-1) - counts  # index of the first sample of each bin
    rank = torch.arange(num_samples).expand(B, -1) - first.gather(1, bins)
    n = counts.gather(1, bins)
    positions = (bins + (rank + 0.5) / n.double()) / D
    return positions.to(device=bin_probs.device, dtype=torch.float64)


def sampling_generator(seed: int, update: int) -> torch.Generator:
    """The explicit generator of one update: a seed reproduces every draw of a run."""
    return torch.Generator().manual_seed((int(seed) * 1_000_003 + int(update)) % (2 ** 63))


# ---------------------------------------------------------------------------------- provenance
def batched_interp(x: Tensor, xp: Tensor, fp: Tensor) -> Tensor:
    """Piecewise-linear interpolation per row: x [B, K], increasing knots xp [B, P], fp [B, P] -> [B, K]."""
    idx = torch.searchsorted(xp.contiguous(), x.contiguous(), right=True).clamp(1, xp.shape[-1] - 1)
    x0, x1 = xp.gather(1, idx - 1), xp.gather(1, idx)
    y0, y1 = fp.gather(1, idx - 1), fp.gather(1, idx)
    w = ((x - x0) / (x1 - x0).clamp_min(1e-300)).clamp(0.0, 1.0)
    return y0 + w * (y1 - y0)


def contraction_knots(sample_positions: Tensor, tau: float) -> tuple[Tensor, Tensor]:
    """The warp of one update as knots (old coordinate s, new coordinate t): [B, M] -> [B, M+2] twice.

    Sample k, taken at old position s_k, is placed at new position τ(k + ½)/M; the ends 0 and 1
    of the old signal map to 0 and τ. Between knots the map is linear.
    """
    B, M = sample_positions.shape
    s = sample_positions.to(torch.float64)
    placed = (tau * slot_midpoints(M)).to(s.device).expand(B, M)
    zeros, ones = torch.zeros(B, 1, dtype=torch.float64, device=s.device), torch.ones(B, 1, dtype=torch.float64, device=s.device)
    return torch.cat([zeros, s, ones], 1), torch.cat([zeros, placed, tau * ones], 1)


def push_spans(spans: Tensor, sample_positions: Tensor, tau: float) -> Tensor:
    """Carry token spans [B, C, 2] (old coordinate) through one update's warp into the new coordinate."""
    old, new = contraction_knots(sample_positions, tau)
    B, C, _ = spans.shape
    return batched_interp(spans.reshape(B, C * 2).to(torch.float64), old, new).reshape(B, C, 2)


def keep_widest(spans: Tensor, tokens: Tensor, capacity: int) -> tuple[Tensor, Tensor]:
    """Keep the `capacity` widest spans (empty slots have token -1), ordered by token: [B, K, 2], [B, K].

    Among equal widths the newer token stays (the older one has had its turn)."""
    width = torch.where(tokens >= 0, spans[..., 1] - spans[..., 0], torch.full_like(spans[..., 0], -1.0))
    if tokens.shape[1] > capacity:
        newest_first = tokens.argsort(dim=1, descending=True, stable=True)
        by_width = width.gather(1, newest_first).argsort(dim=1, descending=True, stable=True)
        keep = newest_first.gather(1, by_width)[:, :capacity]
        spans, tokens = spans.gather(1, keep.unsqueeze(-1).expand(-1, -1, 2)), tokens.gather(1, keep)
        width = width.gather(1, keep)
    tokens = torch.where(width >= 0, tokens, torch.full_like(tokens, -1))
    order = torch.where(tokens >= 0, tokens, torch.full_like(tokens, torch.iinfo(torch.long).max)).argsort(dim=1)
    return spans.gather(1, order.unsqueeze(-1).expand(-1, -1, 2)), tokens.gather(1, order)


# ---------------------------------------------------------------------------------- state
@dataclass(frozen=True)
class LayerMemory:
    """Everything one layer remembers between calls. All tensors detached, batch first."""

    stm: Tensor           # [B, S, e] layer inputs of the last S tokens of completed segments
    current: Tensor       # [B, p, e] layer inputs of the current, unfinished segment
    incoming: Tensor      # [B, L, e] vectors that left the short-term window, written at the next update ([B, 0, e] if none)
    coefficients: Tensor  # [B, N, e] the long-term memory: X̄(t) = coefficientsᵀ ψ(t)
    filled: Tensor        # [B] bool, whether the long-term memory holds anything
    bin_mass: Tensor      # [B, D] attention mass per bin since the last update (sticky memories)
    spans: Tensor         # [B, C, 2] float64 span [a, b] of each remembered token in the memory coordinate
    span_tokens: Tensor   # [B, C] int64 token index (since the row's last reset) of each span; -1 = empty slot
    compressed: Tensor    # [B, Cm, e] Compressive Transformer memory, newest last ([B, 0, e] for other models)


@dataclass(frozen=True)
class MemoryState:
    """The model's whole memory: one LayerMemory per layer, plus counters. Passed in and out of forward."""

    layers: tuple
    position: Tensor      # [B] int64, tokens seen since each row's last reset
    num_updates: int = 0  # long-term memory updates so far (seeds sticky sampling)
    # Generation's cache (`with_cache`), None when off: per layer what the next token of the same segment
    # would compute again (the window's rotated keys and values, the memory's read projections), see model.py.
    # Derived from the rest, so every transformation (map, detach, to, reset) simply leaves it behind.
    cache: tuple | None = None

    def with_cache(self) -> MemoryState:
        """This state, keeping from now on (in no-grad forwards) what the next token would recompute:
        for generation, token after token (1.4-2.6x faster a token, bench/generation_cost.py)."""
        return dataclasses.replace(self, cache=self.cache if self.cache is not None else ())

    @property
    def batch_size(self) -> int:
        return self.position.shape[0]

    @property
    def provenance(self) -> bool:
        """Whether this state carries token spans (a state for a trace) or none (capacity 0)."""
        return self.layers[0].spans.shape[1] > 0 if self.layers else False

    @property
    def pending(self) -> int:
        """Tokens of the current, unfinished segment (the same for every row)."""
        return self.layers[0].current.shape[1]

    def map(self, fn) -> MemoryState:
        """Apply fn to every tensor (e.g. `.detach()`, `.to(device)`)."""
        layers = tuple(LayerMemory(**{k: fn(v) for k, v in vars(m).items()}) for m in self.layers)
        return MemoryState(layers, fn(self.position), self.num_updates)

    def detach(self) -> MemoryState:
        return self.map(lambda t: t.detach())

    def to(self, device) -> MemoryState:
        return self.map(lambda t: t.to(device))

    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for m in self.layers for t in vars(m).values()) + self.position.numel() * 8

    def reset(self, rows) -> MemoryState:
        """Forget everything for the given rows (bool mask [B] or indices), e.g. at a new document.

        Only at a segment boundary: the rows of a batch move in lockstep inside a segment.
        """
        if self.pending:
            raise ValueError(f"reset inside a segment ({self.pending} tokens pending); reset between segments")
        mask = torch.zeros(self.batch_size, dtype=torch.bool, device=self.position.device)
        mask[rows] = True

        def clear(t: Tensor, fill=0) -> Tensor:
            m = mask.view(-1, *([1] * (t.dim() - 1)))
            return torch.where(m, torch.full_like(t, fill), t)

        layers = tuple(dataclasses.replace(
            m, stm=clear(m.stm), current=clear(m.current), incoming=clear(m.incoming),
            coefficients=clear(m.coefficients), filled=clear(m.filled, False), bin_mass=clear(m.bin_mass),
            spans=clear(m.spans), span_tokens=clear(m.span_tokens, -1), compressed=clear(m.compressed))
            for m in self.layers)
        return MemoryState(layers, clear(self.position), self.num_updates)

    # -- persistence (safetensors: no pickle, so a saved memory is safe to load) --
    def save(self, path) -> None:
        tensors = {"position": self.position.detach().cpu().clone()}
        for i, m in enumerate(self.layers):
            for k, v in vars(m).items():  # clone: slices of one window may share storage
                tensors[f"layers.{i}.{k}"] = v.detach().cpu().clone()
        save_file(tensors, str(path), metadata={"format": "infformer-memory", "num_layers": str(len(self.layers)),
                                                "num_updates": str(self.num_updates)})

    @classmethod
    def load(cls, path, device="cpu") -> MemoryState:
        try:
            with safe_open(str(path), framework="pt", device=str(device)) as f:
                meta = f.metadata() or {}
                if meta.get("format") != "infformer-memory":
                    raise ValueError(f"{path}: not an infformer memory file (no 'infformer-memory' metadata)")
                n = int(meta["num_layers"])
                names = [fl.name for fl in dataclasses.fields(LayerMemory)]
                keys = set(f.keys())

                def field(i, k):
                    if f"layers.{i}.{k}" in keys:
                        return f.get_tensor(f"layers.{i}.{k}")
                    if k == "compressed":  # files from before the compressive baseline existed
                        stm = f.get_tensor(f"layers.{i}.stm")
                        return stm[:, :0]
                    raise KeyError(f"layers.{i}.{k}")

                layers = tuple(LayerMemory(**{k: field(i, k) for k in names}) for i in range(n))
                return cls(layers, f.get_tensor("position"), int(meta["num_updates"]))
        except (OSError, KeyError, json.JSONDecodeError) as e:
            raise ValueError(f"{path}: cannot read memory state ({e})") from None
        except Exception as e:  # safetensors raises its own error type for damaged headers
            if isinstance(e, ValueError):
                raise
            raise ValueError(f"{path}: damaged memory file ({e})") from None


# ------------------------------------------------------------------------- the linear contraction
_LINEAR: OrderedDict[tuple, tuple] = OrderedDict()


def linear_contraction(basis: GaussianBasis, M: int, L: int, tau: float, ridge: float, edge_padding: bool,
                       device, dtype) -> tuple[Tensor, Tensor]:
    """(A [N, N], C [N, L]) with refit = A·B + C·X for linear sampling.

    Reconstruct-then-refit is linear in the old coefficients B: with G = solve_matrix over the M
    old samples (in [0, τ]) and the L new slots (in (τ, 1]), and Ψ(s) [M, N] the basis at the fixed
    linear sample positions s_k = (k + ½)/M, the refit is G[:, :M]·Ψ(s)·B + G[:, M:]·X. A and C
    depend only on (basis, M, L, τ, λ), so they are computed once in float64 and cached: an update
    costs N·N·e + N·L·e multiply-adds instead of M·N·e + N·(M + L)·e, and no basis evaluation.
    """
    key = (basis.key(), M, L, float(tau), float(ridge), bool(edge_padding), str(device), dtype)
    hit = _LINEAR.get(key)
    if hit is not None:
        _LINEAR.move_to_end(key)
        return hit
    positions = torch.cat([tau * slot_midpoints(M), slot_midpoints(L, tau, 1.0)])
    G = solve_matrix(positions, basis, ridge, edge_padding).double()          # [N, M + L] float64
    A = G[:, :M] @ basis.to(dtype=torch.float64).evaluate(slot_midpoints(M))  # [N, N]
    hit = (A.to(device=device, dtype=dtype), G[:, M:].to(device=device, dtype=dtype))
    _LINEAR[key] = hit
    if len(_LINEAR) > 16:
        _LINEAR.popitem(last=False)
    return hit


# ---------------------------------------------------------------------------------- the update
@dataclass(frozen=True)
class UpdateResult:
    coefficients: Tensor      # [B, N, e]
    filled: Tensor            # [B]
    spans: Tensor             # [B, C, 2]
    span_tokens: Tensor       # [B, C]
    bin_probs: Tensor         # [B, D] the histogram the samples came from
    sample_positions: Tensor  # [B, M] old-coordinate positions s_k (sorted)
    kind: Tensor              # [B] int8: 0 no update, 1 first write (fills [0, 1]), 2 contraction + write


def update_memory(mem: LayerMemory, incoming: Tensor, incoming_tokens: Tensor, valid: Tensor,
                  basis: GaussianBasis, cfg, generator: torch.Generator) -> UpdateResult:
    """Write L incoming vectors [B, L, e] into a layer's memory (rows where `valid` [B]).

    `cfg` is an LTMConfig. The fit stays in the autograd graph (so an incoming-vector gate
    learns); the caller detaches what it stores.
    """
    B, L, _ = incoming.shape
    M, tau = cfg.num_samples, cfg.tau
    device = incoming.device
    is_first = valid & ~mem.filled      # a row's first write spreads the new vectors over all of [0, 1]
    is_contraction = valid & mem.filled
    bin_probs = bin_probabilities(mem.bin_mass)
    if cfg.sticky:
        s = sticky_sample_positions(bin_probs, M, generator).to(device)
    else:
        s = linear_sample_positions(B, M, device)

    coefficients = mem.coefficients.to(incoming.dtype)
    if bool(is_contraction.any()):
        # Contraction: the old signal, sampled at s_k, is refitted into [0, τ]; the new vectors fill (τ, 1].
        if cfg.sticky:
            old_values = reconstruct(coefficients, basis, s)  # [B, M, e]
            positions = torch.cat([tau * slot_midpoints(M), slot_midpoints(L, tau, 1.0)]).to(device)
            contracted = fit_coefficients(torch.cat([old_values, incoming], 1), positions, basis, cfg.ridge,
                                          cfg.edge_padding)
        else:  # the same refit as one cached N×N product (see `linear_contraction`)
            A, C = linear_contraction(basis, M, L, tau, cfg.ridge, cfg.edge_padding, device, incoming.dtype)
            contracted = A @ coefficients + C @ incoming
        coefficients = torch.where(is_contraction.view(B, 1, 1), contracted, coefficients)
    if bool(is_first.any()):
        first = fit_coefficients(incoming, slot_midpoints(L).to(device), basis, cfg.ridge, cfg.edge_padding)
        coefficients = torch.where(is_first.view(B, 1, 1), first, coefficients)

    kind = is_first.to(torch.int8) + 2 * is_contraction.to(torch.int8)
    if mem.spans.shape[1] == 0:  # a state made without provenance keeps none (see MemoryState.provenance)
        return UpdateResult(coefficients, mem.filled | valid, mem.spans, mem.span_tokens, bin_probs, s, kind)
    # Provenance: old spans follow the warp; incoming tokens enter at their slots.
    pushed = torch.where(is_contraction.view(B, 1, 1), push_spans(mem.spans, s, tau), mem.spans)
    edges = torch.where(is_first.view(B, 1), token_slots(L).to(device).expand(B, -1),
                        token_slots(L, tau, 1.0).to(device).expand(B, -1))
    entered = torch.stack([edges[:, :-1], edges[:, 1:]], -1)
    entered_tokens = torch.where(valid.view(B, 1), incoming_tokens, torch.full_like(incoming_tokens, -1))
    spans, span_tokens = keep_widest(torch.cat([pushed, entered], 1), torch.cat([mem.span_tokens, entered_tokens], 1),
                                     cfg.span_capacity)
    return UpdateResult(coefficients, mem.filled | valid, spans, span_tokens, bin_probs, s, kind)
