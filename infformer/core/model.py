"""The ∞-former language model: a decoder-only transformer whose every layer reads a local causal
window (short-term memory + segment) and a continuous long-term memory.

`forward(tokens, state) -> (logits, new_state)`, always. The memory is the value `state`
(see memory.py); intermediates are exposed through hook points (see trace.py).

Shape letters: B batch, T new tokens, S short-term memory length, L segment length,
p tokens already in the current segment, e model width, V vocabulary.
"""
from __future__ import annotations

import dataclasses
import math
from contextlib import contextmanager
from contextvars import ContextVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attention import LocalAttention, LongTermAttention, attention_reconstruction_loss
from .basis import GaussianBasis, make_basis
from .config import ModelConfig
from .hooks import HookPoint, name_hook_points
from .memory import LayerMemory, MemoryState, bin_mass, sampling_generator, update_memory

MEMORY_PARAMETERS = ("ltm.", "compress.")  # what a memory adds to a model without one (a base, a backbone)


def is_memory_parameter(name: str) -> bool:
    """Whether parameter `name` belongs to a memory (the long-term attention or a compressor)."""
    return any(f".{p}" in f".{name}" for p in MEMORY_PARAMETERS)


def make_norm(cfg: ModelConfig) -> nn.Module:
    """The block's and the final norm: LayerNorm (the small model) or RMSNorm (Llama)."""
    if cfg.norm == "rmsnorm":
        return nn.RMSNorm(cfg.d_model, eps=cfg.norm_eps)
    return nn.LayerNorm(cfg.d_model, eps=cfg.norm_eps)


class SwiGLU(nn.Module):
    """Llama's MLP: down(silu(gate(x)) ⊙ up(x)), x [B, T, e] -> [B, T, e]."""

    def __init__(self, d_model: int, d_ff: int, bias: bool):
        super().__init__()
        self.gate = nn.Linear(d_model, d_ff, bias=bias)
        self.up = nn.Linear(d_model, d_ff, bias=bias)
        self.down = nn.Linear(d_ff, d_model, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.down(F.silu(self.gate(x)) * self.up(x))


def make_mlp(cfg: ModelConfig) -> nn.Module:
    if cfg.mlp == "swiglu":
        return SwiGLU(cfg.d_model, cfg.d_ff, cfg.bias)
    # an nn.Sequential, so the small model's parameter names (mlp.0, mlp.2) stay as its checkpoints have them
    return nn.Sequential(nn.Linear(cfg.d_model, cfg.d_ff, bias=cfg.bias), nn.GELU(),
                         nn.Linear(cfg.d_ff, cfg.d_model, bias=cfg.bias))


# The long-term read zeroed for the calls of one context (thread) only, as cfg.ltm.ablate_read does for a
# whole model: the app asks "what was the memory worth here?" of the model every session shares.
_READ_ZEROED: ContextVar[bool] = ContextVar("infformer_read_zeroed", default=False)


@contextmanager
def long_term_read_zeroed():
    """Within this block (this thread or context only), every model computes and writes its long-term
    memory and reads it, but does not add the read (Z = Z_local): `evaluate --ablate-ltm` on a shared model."""
    token = _READ_ZEROED.set(True)
    try:
        yield
    finally:
        _READ_ZEROED.reset(token)


class Block(nn.Module):
    """Pre-norm transformer block: Z = Z_local + Z_LTM (no gate), then the MLP."""

    def __init__(self, cfg: ModelConfig, basis: GaussianBasis | None):
        super().__init__()
        e = cfg.d_model
        self.ln_1, self.ln_2 = make_norm(cfg), make_norm(cfg)
        self.attn = LocalAttention(e, cfg.n_heads, cfg.dropout, cfg.rope_base, cfg.n_kv_heads, cfg.bias,
                                   cfg.rope_layout)
        self.ltm = None
        self.ablate_read = cfg.ltm is not None and cfg.ltm.ablate_read
        if cfg.ltm is not None:
            self.ltm = LongTermAttention(e, cfg.n_heads, basis, cfg.ltm.sigma_sq_min, cfg.ltm.gate,
                                         cfg.ltm.sigma_init, cfg.n_kv_heads, cfg.ltm.out_bias)
        self.compress = None
        if cfg.compressive_len:  # Compressive Transformer: strided Conv1d over the leaving vectors
            c = cfg.compression_rate
            self.compress = nn.Conv1d(e, e, kernel_size=c, stride=c)
            self.hook_compression_loss = HookPoint()  # Rae et al.'s attention-reconstruction loss (training)
        self.mlp = make_mlp(cfg)
        self.drop = nn.Dropout(cfg.dropout)
        self.hook_resid_pre = HookPoint()
        self.hook_local_out = HookPoint()  # Z_local [B, T, e]: what the local (short-term) attention adds
        self.hook_ltm_out = HookPoint()    # Z_LTM [B, T, e]: what the long-term read adds (zero while empty)

    def forward(self, x: Tensor, context: Tensor, mask: Tensor, q_pos: Tensor, k_pos: Tensor, mem: LayerMemory,
                cached: tuple | None = None):
        """x [B, T, e] new tokens' layer inputs; context [B, K0, e] earlier layer inputs in the window.
        cached: (the window's rotated keys and values, the memory's read projections) kept from the last
        call of this segment, or None. Returns x, μ, σ² and what to keep for the next call."""
        x = self.hook_resid_pre(x)
        h = self.ln_1(x)
        window, read = cached if cached is not None else (None, None)
        if window is None:   # every entry of the window
            window = self.attn.window_keys(self.ln_1(torch.cat([context, x], 1)) if context.shape[1] else h, k_pos)
        else:                # the entries before x kept from the last call: x's added
            new = self.attn.window_keys(h, k_pos[-x.shape[1]:])
            window = tuple(torch.cat([old, n], 2) for old, n in zip(window, new, strict=True))
        z, q = self.attn(h, None, mask, q_pos, k_pos, window)
        z = self.hook_local_out(z)
        mu = sigma_sq = None
        if self.ltm is not None:
            read = read if read is not None else self.ltm.read_projections(mem.coefficients)
            z_ltm, mu, sigma_sq = self.ltm(q, mem.coefficients, mem.filled, read)
            z_ltm = self.hook_ltm_out(z_ltm)
            if not (self.ablate_read or _READ_ZEROED.get()):
                z = z + z_ltm.to(z.dtype)
        x = x + self.drop(z)
        x = x + self.drop(self.mlp(self.ln_2(x)))
        return x, mu, sigma_sq, (window, read)


class InfFormer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.basis = make_basis(cfg.ltm.num_basis, cfg.ltm.basis_layout, cfg.ltm.widths) if cfg.ltm is not None else None
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg, self.basis) for _ in range(cfg.n_layers))
        self.ln_f = make_norm(cfg)
        # logits = ln_f(h) Eᵀ when tied (the small model, SmolLM2); else their own matrix
        self.lm_head = None if cfg.tie_embeddings else nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        self.apply(self._init_weights)
        name_hook_points(self)  # every hook point knows its name (blocks.2.ltm.hook_mu)
        for name, p in self.named_parameters():  # GPT-2: scale residual projections by depth
            if name.endswith(("attn.out.weight", "mlp.2.weight", "mlp.down.weight", "ltm.out.weight")):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg.n_layers))
        for block in self.blocks:
            if block.ltm is not None:
                block.ltm.reset_sigma()
                if cfg.ltm.zero_out:  # the memory's read starts at exactly zero: step 0 equals the backbone
                    nn.init.zeros_(block.ltm.out.weight)
                    if block.ltm.out.bias is not None:
                        nn.init.zeros_(block.ltm.out.bias)

    @staticmethod
    def _init_weights(m: nn.Module):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # ------------------------------------------------------------------ state
    def initial_state(self, batch_size: int = 1, device=None, provenance: bool = True) -> MemoryState:
        """An empty memory for `batch_size` independent sequences.

        provenance=False leaves out the token spans (capacity 0): the logits and the memory are the
        same, but no update pays for carrying spans that only a trace reads (training, scoring).
        """
        cfg = self.cfg
        device = device or self.embed.weight.device
        e, B = cfg.d_model, batch_size
        N = cfg.ltm.num_basis if cfg.ltm else 0
        D = cfg.ltm.num_bins if cfg.ltm else 0
        C = cfg.ltm.span_capacity if cfg.ltm and provenance else 0
        zeros = lambda *shape, dtype=torch.float32: torch.zeros(*shape, dtype=dtype, device=device)

        def layer() -> LayerMemory:  # fresh tensors for every layer: no layer shares storage with another
            return LayerMemory(stm=zeros(B, cfg.stm_len, e), current=zeros(B, 0, e), incoming=zeros(B, 0, e),
                               coefficients=zeros(B, N, e), filled=zeros(B, dtype=torch.bool), bin_mass=zeros(B, D),
                               spans=zeros(B, C, 2, dtype=torch.float64),
                               span_tokens=torch.full((B, C), -1, dtype=torch.long, device=device),
                               compressed=zeros(B, cfg.compressive_len, e))

        return MemoryState(tuple(layer() for _ in range(cfg.n_layers)), zeros(B, dtype=torch.long), 0)

    def check_state(self, state: MemoryState, batch_size: int):
        cfg = self.cfg
        if len(state.layers) != cfg.n_layers or state.batch_size != batch_size:
            raise ValueError(f"memory state has {len(state.layers)} layers and batch {state.batch_size}; "
                             f"model has {cfg.n_layers} layers, tokens have batch {batch_size}")
        m = state.layers[0]
        if m.stm.shape[1:] != (cfg.stm_len, cfg.d_model) or (cfg.ltm and m.coefficients.shape[1] != cfg.ltm.num_basis):
            raise ValueError("memory state was made for a different model configuration")

    # ------------------------------------------------------------------ forward
    def forward(self, tokens: Tensor, state: MemoryState | None = None) -> tuple[Tensor, MemoryState]:
        """Process tokens [B, T] after whatever the state remembers: -> logits [B, T, V], new state.

        Any T: the tokens are cut at segment boundaries, and the memory is updated once per
        segment, so feeding a text in one call or token by token gives the same result.
        """
        if tokens.dim() != 2:
            raise ValueError(f"tokens must be [batch, time], got shape {tuple(tokens.shape)}")
        B, T = tokens.shape
        state = self.initial_state(B, tokens.device) if state is None else state
        self.check_state(state, B)
        L = self.cfg.segment_len
        logits, start = [], 0
        while start < T:
            n = min(L - state.pending, T - start)
            piece_logits, state = self._forward_piece(tokens[:, start:start + n], state)
            logits.append(piece_logits)
            start += n
        if not logits:
            return torch.zeros(B, 0, self.cfg.vocab_size, device=tokens.device), state
        out = state.detach()  # no gradient flows into the past
        return torch.cat(logits, 1), out if state.cache is None else dataclasses.replace(out, cache=state.cache)

    def _forward_piece(self, tokens: Tensor, state: MemoryState) -> tuple[Tensor, MemoryState]:
        """Tokens that stay inside one segment."""
        cfg = self.cfg
        B, T = tokens.shape
        cache_on = state.cache is not None  # (a memory update leaves the cache behind with the old memory)
        if state.pending == 0 and state.layers[0].incoming.shape[1]:
            state = self._write_memories(state)
        S, p, Cm, c = cfg.stm_len, state.pending, cfg.compressive_len, cfg.compression_rate
        device = tokens.device

        # Local window: [compressed (Cm) | short-term memory (S) | segment so far (p) | new tokens (T)].
        # A compressed slot sits at the position of the c tokens it summarises, just before the STM.
        k_pos = torch.cat([(torch.arange(Cm, device=device) - Cm) * c, torch.arange(S + p + T, device=device)])
        q_pos = k_pos[Cm + S + p:]
        seg_start = state.position - p                                           # [B]
        stm_valid = (seg_start.view(B, 1) - S + torch.arange(S, device=device)) >= 0  # [B, S]
        num_compressed = ((seg_start - S) // c).clamp(0, Cm)                     # [B] slots written so far
        cm_valid = torch.arange(Cm, device=device) >= (Cm - num_compressed).view(B, 1)  # newest last
        key_valid = torch.cat([cm_valid, stm_valid, torch.ones(B, p + T, dtype=torch.bool, device=device)], 1)
        causal = k_pos.view(1, -1) <= q_pos.view(-1, 1)                          # [T, K]
        mask = (causal.unsqueeze(0) & key_valid.unsqueeze(1)).unsqueeze(1)       # [B, 1, T, K]

        x = self.drop(self.embed(tokens))
        # generation's cache (MemoryState.with_cache): what the last call of this segment computed of the
        # window before these tokens (its keys and values) and of the memory (unchanged inside a segment)
        caching = cache_on and not torch.is_grad_enabled()
        cached = (None,) * cfg.n_layers
        if caching and p > 0 and len(state.cache) == cfg.n_layers and state.cache[0][0][0].shape[2] == Cm + S + p:
            cached = state.cache
        layers, kept = [], []
        for block, mem, c in zip(self.blocks, state.layers, cached, strict=False):
            context = torch.cat([mem.compressed, mem.stm, mem.current], 1).to(x.dtype)
            new_current = torch.cat([mem.current, x.detach().float()], 1)
            x, mu, sigma_sq, keep = block(x, context, mask, q_pos, k_pos, mem, c)
            kept.append(keep)
            mass = mem.bin_mass
            if cfg.ltm is not None and cfg.ltm.sticky:  # histogram of where this segment's queries looked
                mass = mass + bin_mass(mu.detach(), sigma_sq.detach(), cfg.ltm.num_bins) * mem.filled.view(B, 1)
            layers.append(dataclasses.replace(mem, current=new_current, bin_mass=mass))
        head = self.embed.weight if self.lm_head is None else self.lm_head.weight
        logits = F.linear(self.ln_f(x), head)  # [B, T, V]

        if p + T == cfg.segment_len:  # segment complete: roll the short-term memory
            rolled = []
            for mem in layers:
                window = torch.cat([mem.stm, mem.current], 1)  # [B, S + L, e]
                writes = cfg.ltm is not None or cfg.compressive_len > 0  # else what leaves is dropped
                incoming = window[:, :cfg.segment_len] if writes else mem.incoming
                rolled.append(dataclasses.replace(mem, stm=window[:, cfg.segment_len:], current=window[:, :0],
                                                  incoming=incoming))
            layers = rolled
        cache = tuple(kept) if caching else () if cache_on else None
        return logits, MemoryState(tuple(layers), state.position + T, state.num_updates, cache)

    def _write_memories(self, state: MemoryState) -> MemoryState:
        """Write the vectors that left the short-term window into every layer's long-term memory
        (or compressed memory). Done at the start of the next segment, inside its autograd graph,
        so a gate or compression network learns from the reads; the stored state is detached."""
        cfg, L, S = self.cfg, self.cfg.segment_len, self.cfg.stm_len
        first_token = state.position - L - S                                     # [B]
        tokens = first_token.view(-1, 1) + torch.arange(L, device=first_token.device)
        valid = first_token >= 0  # rows reset since these vectors left carry nothing to write
        if cfg.ltm is None:
            return self._write_compressed(state, valid)
        generator = sampling_generator(cfg.ltm.seed, state.num_updates)
        layers = []
        for block, mem in zip(self.blocks, state.layers, strict=False):
            ltm = block.ltm
            incoming = ltm.hook_memory_vectors(ltm.gate_incoming(block.ln_1(mem.incoming)).float())
            # the fit in float32 even under bf16 autocast: bf16 keeps ~3 digits, too few for a ridge solve
            with torch.autocast(device_type=incoming.device.type, enabled=False):
                result = update_memory(mem, incoming, tokens, valid, self.basis, cfg.ltm, generator)
            ltm.hook_bin_probs(result.bin_probs)
            ltm.hook_sample_positions(result.sample_positions)
            ltm.hook_update_kind(result.kind)
            # Kept in the graph for this segment's reads (a gate learns through them); stored detached.
            coefficients = ltm.hook_coefficients(result.coefficients)
            layers.append(dataclasses.replace(
                mem, incoming=mem.incoming[:, :0], coefficients=coefficients, filled=result.filled,
                bin_mass=torch.zeros_like(mem.bin_mass), spans=result.spans, span_tokens=result.span_tokens))
        return MemoryState(tuple(layers), state.position, state.num_updates + 1)

    def _write_compressed(self, state: MemoryState, valid: Tensor) -> MemoryState:
        """Compressive Transformer: L leaving vectors -> L/c compressed slots, oldest slots dropped."""
        layers = []
        attention_loss = self.cfg.compression_loss == "attention"
        for block, mem in zip(self.blocks, state.layers, strict=False):
            incoming = mem.incoming.detach() if attention_loss else mem.incoming
            new = block.compress(incoming.transpose(1, 2)).transpose(1, 2)  # [B, L/c, e]
            if attention_loss:
                if torch.is_grad_enabled() and self.training and bool(valid.any()):
                    # h: the segment that pushed these vectors out (the newest L of the short-term
                    # memory); without a short-term memory, the leaving segment itself, whose
                    # queries read these very vectors (a pretrained backbone's 512-token segments)
                    L = self.cfg.segment_len
                    h = mem.stm[:, -L:] if self.cfg.stm_len >= L else incoming
                    block.hook_compression_loss(attention_reconstruction_loss(
                        block.attn, block.ln_1, h[valid], incoming[valid], new[valid]))
                new = new.detach()  # the task's gradient never reaches the compressor
            shifted = torch.cat([mem.compressed, new], 1)[:, new.shape[1]:]
            compressed = torch.where(valid.view(-1, 1, 1), shifted, mem.compressed)
            layers.append(dataclasses.replace(mem, incoming=mem.incoming[:, :0], compressed=compressed))
        return MemoryState(tuple(layers), state.position, state.num_updates + 1)
