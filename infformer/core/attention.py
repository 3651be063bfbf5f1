"""Local causal attention (with the short-term memory) and continuous long-term attention.

Shape letters: B batch, T queries (new tokens), K keys (short-term memory + segment so far + new),
H heads, d = e / H head width, e model width, N basis functions.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .basis import GaussianBasis
from .hooks import HookPoint


def rotary(x: Tensor, positions: Tensor, base: float, layout: str = "interleaved") -> Tensor:
    """Rotary position embedding: x [B, H, T, d], positions [T] (within the local window).

    layout "interleaved" turns the pairs (x_2i, x_2i+1) (this project's models); "half" turns the pairs
    (x_i, x_i+d/2), HF Llama's rotate_half, which pretrained Llama weights expect. Same frequencies.
    """
    d = x.shape[-1]
    inv_freq = base ** (-torch.arange(0, d, 2, device=x.device, dtype=torch.float32) / d)
    angles = positions.to(torch.float32).unsqueeze(-1) * inv_freq  # [T, d/2]
    if layout == "half":
        first, second = x.float().chunk(2, dim=-1)                   # [B, H, T, d/2] each
        cos, sin = angles.cos(), angles.sin()
        return torch.cat([first * cos - second * sin, second * cos + first * sin], -1).to(x.dtype)
    # Each pair (x_2i, x_2i+1) is the complex number x_2i + i·x_2i+1 turned by e^{i·angle}: one complex
    # product instead of strided halves, four products and a stack (3-10x faster at the sorting runs'
    # batch of 8, where rotary was ~10% of a training step; the same numbers to float rounding).
    turn = torch.polar(torch.ones_like(angles), angles)                      # [T, d/2] complex
    pairs = torch.view_as_complex(x.float().reshape(*x.shape[:-1], d // 2, 2).contiguous())
    return torch.view_as_real(pairs * turn).flatten(-2).to(x.dtype)


class LocalAttention(nn.Module):
    """Causal multi-head attention over the short-term memory, the segment so far and the new tokens.

    With grouped-query attention (n_kv_heads < n_heads) the keys and values have G = n_kv_heads heads,
    each serving n_heads / G consecutive query heads (HF Llama's repeat_kv). The key/value projection
    stays one fused linear [K | V] of width 2·G·d, so the small model's state dict is unchanged.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float, rope_base: float, n_kv_heads: int | None = None,
                 bias: bool = True, rope_layout: str = "interleaved"):
        super().__init__()
        self.n_heads, self.rope_base, self.dropout, self.rope_layout = n_heads, rope_base, dropout, rope_layout
        self.n_kv_heads = n_heads if n_kv_heads is None else n_kv_heads
        self.head_dim = d_model // n_heads
        self.query = nn.Linear(d_model, d_model, bias=bias)
        self.key_value = nn.Linear(d_model, 2 * self.n_kv_heads * self.head_dim, bias=bias)
        self.out = nn.Linear(d_model, d_model, bias=bias)
        self.hook_pattern_mask = HookPoint()
        self.hook_heads = HookPoint()  # [B, T, H·d] the heads' outputs before W_O (head h: columns h·d..(h+1)·d)
        self.hook_pattern = HookPoint()  # [B, H, T, K] attention weights over the window, formed only for a reader

    def split_heads(self, x: Tensor) -> Tensor:  # [B, T, h·d] -> [B, h, T, d], h = n_heads or n_kv_heads
        B, T, e = x.shape
        return x.view(B, T, e // self.head_dim, self.head_dim).transpose(1, 2)

    def window_keys(self, context: Tensor, k_pos: Tensor) -> tuple[Tensor, Tensor]:
        """Normalised window entries [B, K, e] at positions k_pos [K] -> their rotated keys and their values
        [B, G, K, d] (G = n_kv_heads). Per entry, so a window's are its pieces' concatenated (generation
        keeps the segment's so far: MemoryState.with_cache)."""
        k, v = (self.split_heads(t) for t in self.key_value(context).chunk(2, dim=-1))
        return rotary(k, k_pos, self.rope_base, self.rope_layout), v

    def forward(self, x: Tensor, context: Tensor | None, mask: Tensor, q_pos: Tensor, k_pos: Tensor,
                window: tuple | None = None) -> tuple[Tensor, Tensor]:
        """x [B, T, e] (normalised new tokens), context [B, K, e] (normalised, ends with x), mask [B, 1, T, K];
        or, in place of context, its `window_keys` already computed (window).

        Returns the output [B, T, e] and the queries before the rotary embedding [B, H, T, d],
        which the long-term attention shares.
        """
        q = self.split_heads(self.query(x))
        k_rot, v = window if window is not None else self.window_keys(context, k_pos)  # [B, G, K, d]
        if self.n_kv_heads != self.n_heads:  # each key/value head serves a group of query heads
            k_rot, v = (t.repeat_interleave(self.n_heads // self.n_kv_heads, dim=1) for t in (k_rot, v))
        q_rot = rotary(q, q_pos, self.rope_base, self.rope_layout)
        mask = self.hook_pattern_mask(mask)
        if self.hook_pattern.listened():  # the fused kernel never forms the weights: form them for the reader
            with torch.autocast(device_type=x.device.type, enabled=False):
                scores = q_rot.float() @ k_rot.float().transpose(-1, -2) / math.sqrt(self.head_dim)
                self.hook_pattern(torch.softmax(scores.masked_fill(~mask, float("-inf")), -1))
        out = F.scaled_dot_product_attention(q_rot, k_rot, v, attn_mask=mask,
                                             dropout_p=self.dropout if self.training else 0.0)
        B, H, T, d = out.shape
        return self.out(self.hook_heads(out.transpose(1, 2).reshape(B, T, H * d))), q


def attention_reconstruction_loss(attn: LocalAttention, norm: nn.Module, queries: Tensor, old: Tensor,
                                  compressed: Tensor) -> Tensor:
    """The Compressive Transformer's auxiliary loss (Rae et al. 2020): how far the attention of the
    queries h over the compressed memories f_c(m) is from their attention over the memories m they
    replace, ‖attn(h, m) − attn(h, f_c(m))‖², mean over queries, heads and features.

    queries [B, T, e] (the segment that pushed m out), old [B, L, e], compressed [B, L/c, e]: layer
    inputs, normalised here as the block normalises its window (LayerNorm or a Llama's RMSNorm).
    The attention's (and the norm's) parameters are used detached: only the compressor learns from
    this loss. Content-based (no positions): a compressed slot stands for c positions at once.
    With grouped-query attention each key/value head serves its group of query heads.
    """
    def frozen(module, x):  # the module's own computation, its parameters out of the graph
        return torch.func.functional_call(module, {k: v.detach() for k, v in module.named_parameters()}, (x,))

    q = attn.split_heads(frozen(attn.query, frozen(norm, queries.detach())))

    def read(memory):
        k, v = frozen(attn.key_value, frozen(norm, memory)).chunk(2, dim=-1)
        return F.scaled_dot_product_attention(q, attn.split_heads(k), attn.split_heads(v),
                                              enable_gqa=attn.n_kv_heads != attn.n_heads)  # [B, H, T, d]

    return (read(old.detach()) - read(compressed)).pow(2).mean()


def variance_kl(sigma_sq: Tensor, sigma0: float) -> Tensor:
    """KL(N(μ, σ²) ‖ N(μ, σ0²)) = ½(σ²/σ0² − log(σ²/σ0²) − 1), elementwise (≥ 0, zero at σ = σ0)."""
    ratio = sigma_sq / (sigma0 ** 2)
    return 0.5 * (ratio - torch.log(ratio) - 1.0)


class LongTermAttention(nn.Module):
    """Continuous attention over the long-term memory X̄(t) = Bᵀψ(t) with a Gaussian density per query.

    Keys and values come from the coefficients with their own projections (K = B W_K, V = B W_V);
    μ = sigmoid(w_μ · s), σ² = softplus(w_σ · s) with s = K_h q / √d; the context is V_hᵀ r with
    r_j = E_{N(μ,σ²)}[ψ_j] in closed form. Output projection W_O is its own.
    """

    def __init__(self, d_model: int, n_heads: int, basis: GaussianBasis, sigma_sq_min: float, gate: bool,
                 sigma_init: float | None = None, n_kv_heads: int | None = None, out_bias: bool = True):
        super().__init__()
        self.n_heads, self.basis, self.sigma_sq_min = n_heads, basis, sigma_sq_min
        # grouped-query attention (a Llama backbone): G key/value heads of the memory, each serving
        # n_heads / G query heads, as the backbone's own attention does (fewer parameters to train)
        self.n_kv_heads = n_heads if n_kv_heads is None else n_kv_heads
        N, d = basis.num_basis, d_model // n_heads
        self.key = nn.Linear(d_model, self.n_kv_heads * d, bias=False)    # W_K
        self.value = nn.Linear(d_model, self.n_kv_heads * d, bias=False)  # W_V
        self.out = nn.Linear(d_model, d_model, bias=out_bias)  # W_O
        self.mu = nn.Linear(N, 1)                             # w_μ (shared by the heads, as in the reference)
        self.sigma = nn.Linear(N, 1)                          # w_σ
        self.sigma_init = sigma_init  # applied by reset_sigma(), after the model's weight init
        # Optional gate on incoming vectors (reference code): X ⊙ sigmoid(Conv1d_k3(X)).
        self.gate = nn.Conv1d(d_model, d_model, kernel_size=3, padding=1) if gate else None
        for name in ("scores", "mu", "sigma_sq", "context", "memory_vectors", "bin_probs",
                     "sample_positions", "coefficients", "update_kind"):
            self.add_module(f"hook_{name}", HookPoint())

    def reset_sigma(self):
        """Start σ² = softplus(w_σ·s) near sigma_init² (bias = softplus⁻¹(σ²), small weights)."""
        if self.sigma_init is not None:
            nn.init.constant_(self.sigma.bias, math.log(math.expm1(self.sigma_init ** 2)))

    def gate_incoming(self, x: Tensor) -> Tensor:
        """Incoming memory vectors [B, L, e], gated if configured."""
        if self.gate is None:
            return x
        return x * torch.sigmoid(self.gate(x.transpose(1, 2)).transpose(1, 2))

    def forward(self, q: Tensor, coefficients: Tensor, filled: Tensor,
                projections: tuple | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """q [B, H, T, d] (shared with local attention), coefficients [B, N, e], filled [B] bool;
        projections: `read_projections(coefficients)` already computed (generation: one memory, many tokens).

        Returns the output [B, T, e] (zero for rows with an empty memory), μ and σ² [B, H, T].
        Computed in float32 even under autocast: σ² down to 1e-4 and densities up to ~80 need it.
        """
        with torch.autocast(device_type=q.device.type, enabled=False):
            q, coefficients = q.float(), coefficients.float()
            B, H, T, d = q.shape
            G, group = self.n_kv_heads, H // self.n_kv_heads
            values, u = projections if projections is not None else self.read_projections(coefficients)
            values = values.repeat_interleave(group, dim=1) if group > 1 else values  # [B, H, N, d]
            u = u.repeat_interleave(group, dim=1) if group > 1 else u               # [B, H, d, 2]
            s = q @ u / math.sqrt(d)                                                # [B, H, T, 2]
            if self.hook_scores.listened():  # a reader of every score: form them only for it
                keys = self.key(coefficients).view(B, -1, G, d).transpose(1, 2).repeat_interleave(group, dim=1)
                self.hook_scores(q @ keys.transpose(-1, -2) / math.sqrt(d))        # [B, H, T, N]
            mu = self.hook_mu(torch.sigmoid(s[..., 0] + self.mu.bias))              # [B, H, T] in (0, 1)
            sigma_sq = self.hook_sigma_sq(F.softplus(s[..., 1] + self.sigma.bias).clamp_min(self.sigma_sq_min))
            r = self.basis.expect(mu, sigma_sq)                                    # [B, H, T, N]
            context = (r @ values).transpose(1, 2).reshape(B, T, H * d)
            out = self.out(self.hook_context(context)) * filled.view(B, 1, 1).float()
        return out, mu, sigma_sq

    def read_projections(self, coefficients: Tensor) -> tuple[Tensor, Tensor]:
        """What a read needs of the memory whatever the query (coefficients [B, N, e], in float32): the values
        V = B W_V [B, G, N, d] and u [B, G, d, 2]. μ and σ² read the scores s = K_h q / √d only through
        w_μ·s and w_σ·s, and K = B W_K is linear in B, so w·s = q · ((wᵀB) W_K)_h / √d = q · u_h / √d: the
        N keys and N scores per query are never formed (N·e² + T·N·e multiply-adds a layer saved; the same
        numbers up to rounding)."""
        B, N, _ = coefficients.shape
        G = self.n_kv_heads
        d = self.value.out_features // G
        with torch.autocast(device_type=coefficients.device.type, enabled=False):  # float32, as the read
            coefficients = coefficients.float()
            values = self.value(coefficients).view(B, N, G, d).transpose(1, 2)      # [B, G, N, d]
            w = torch.stack([self.mu.weight[0], self.sigma.weight[0]])              # [2, N]
            u = self.key(w @ coefficients).view(B, 2, G, d).permute(0, 2, 3, 1)    # [B, G, d, 2]
        return values, u
