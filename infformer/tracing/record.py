"""The `Trace`: a frozen, detached, picklable record of what the memory did on a text (written by
`tracing.run_with_trace`), and pure functions of a trace for everything the app plots. This
module never imports the model, so `infformer.viz` can depend on it alone.

Shape letters: T tokens, Y layers, H heads, U memory updates, D bins, M samples, N basis
functions, e width, C provenance capacity, K coefficient snapshots, G grid points.

Size bound (float32 unless said): μ and σ² 2·Y·T·H, token ids and losses 12·T bytes, the top-5
next-token predictions 40·T bytes, the two attention terms' norms 8·Y·T bytes, histograms
U·Y·D, sample positions U·Y·M (float64), at most `max_snapshots` coefficient snapshots K·Y·N·e,
initial and final spans 2·Y·C·2 (float64). With the small model (Y=4, H=4, L=128, D=128,
M=256, N=256, e=256, U = T/128) that is about 290 bytes per token plus ~40 MB: a million-token
trace takes about 330 MB.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..core.basis import GaussianBasis, gaussian_density
from . import replay

CHUNK_ROWS = 1 << 18  # rows of a CSV chunk (about 15 MB of text)


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything the memory did on one text. Arrays are numpy and read-only."""

    config: dict                  # the model's ModelConfig as a dict (memory settings included)
    token_ids: np.ndarray         # [T] int64
    token_loss: np.ndarray        # [T] float32: -log p(token t+1 | ≤ t); NaN for the last token
    segments: np.ndarray          # [S, 2] token range [start, end) of each segment
    seconds: np.ndarray           # [S] wall time of each segment's forward
    mu: np.ndarray                # [Y, T, H] μ of each query; NaN where the memory was still empty
    sigma_sq: np.ndarray          # [Y, T, H] σ²
    update_segment: np.ndarray    # [U] segment at whose start each update ran
    update_kind: np.ndarray       # [U] 0 nothing written, 1 first write (fills [0, 1]), 2 contraction + write
    update_tokens: np.ndarray     # [U, 2] token range [start, end) written at each update
    bin_probs: np.ndarray         # [U, Y, D] the histogram each update sampled from
    sample_positions: np.ndarray  # [U, Y, M] float64 old-coordinate positions s_k (sorted)
    snapshot_updates: np.ndarray  # [K] updates after which coefficients were kept
    coefficients: np.ndarray      # [K, Y, N, e] those coefficient snapshots
    final_coefficients: np.ndarray  # [Y, N, e] the memory at the end
    final_spans: np.ndarray       # [Y, C, 2] float64 the state's own spans at the end (C = 0 without provenance=True)
    final_span_tokens: np.ndarray  # [Y, C] int64 token of each span (-1 empty)
    basis_centers: np.ndarray     # [N]
    basis_widths: np.ndarray      # [N]
    initial_spans: np.ndarray     # [Y, C, 2] spans of the memory the trace started from (empty for a fresh one)
    initial_span_tokens: np.ndarray  # [Y, C]
    num_text_tokens: int          # tokens of the document; the rest (if any) is the query
    token_offset: int = 0         # tokens the memory had seen before the trace; span tokens count from there
    text: str = ""                # the traced text (document, then query) when traced from text
    offsets: np.ndarray | None = None  # [T, 2] character offsets of each token in `text`
    top_ids: np.ndarray | None = None    # [T, K] int32: the K most likely next tokens after each position
    top_probs: np.ndarray | None = None  # [T, K] float32: their probabilities
    local_norm: np.ndarray | None = None  # [Y, T] ‖Z_local‖: the size of what local attention added to each token
    ltm_norm: np.ndarray | None = None    # [Y, T] ‖Z_LTM‖: the size of what the long-term read added (0: empty)
    local_head_norm: np.ndarray | None = None  # [Y, T, H] float16 ‖W_O,h o_h‖: head h's term of Z_local
    ltm_head_norm: np.ndarray | None = None    # [Y, T, H] float16: head h's term of Z_LTM (0: empty memory)
    pattern_tokens: np.ndarray | None = None      # [Q] the tokens whose local attention weights are kept
    local_pattern: np.ndarray | None = None       # [Y, Q, H, K] float16: their weights over the window's keys
    local_pattern_keys: np.ndarray | None = None  # [Q, K] the traced token each key is (-1: a compressed slot,
    #                                               a token before the trace, or past the window)

    # ------------------------------------------------------------- sizes and settings
    @property
    def num_tokens(self) -> int:
        return len(self.token_ids)

    @property
    def num_layers(self) -> int:
        return self.mu.shape[0]

    @property
    def num_heads(self) -> int:
        return self.mu.shape[2]

    @property
    def num_updates(self) -> int:
        return len(self.update_kind)

    @property
    def ltm(self) -> dict:
        return self.config["ltm"]

    @property
    def basis(self) -> GaussianBasis:
        return GaussianBasis(torch.tensor(self.basis_centers), torch.tensor(self.basis_widths))

    def nbytes(self) -> int:
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))

    def segment_of(self, token: int) -> int:
        """The segment that processed token index `token`."""
        return int(np.searchsorted(self.segments[:, 1], token, side="right"))

    # ------------------------------------------------------------- provenance
    def spans_at(self, updates, layer: int) -> dict:
        """{update: (spans [K, 2], tokens [K])} in the memory after each of `updates` (-1: before
        any), replayed from the recorded sample positions (see `replay.spans_at`)."""
        return replay.spans_at(self, updates, layer)

    def final_provenance(self, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Every unforgotten token's span [K, 2] and number [K] in the memory at the end."""
        return self.spans_after(self.num_updates - 1, layer)

    def spans_after(self, update: int, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Spans [C, 2] and their tokens [C] in the memory after update `update` (see `spans_at`)."""
        return self.spans_at([update], layer)[update]

    def memory_seen_by(self, segment: int) -> int:
        """Index of the last update before `segment`'s queries read the memory (-1 if none)."""
        return int(np.searchsorted(self.update_segment, segment, side="right")) - 1

    def token_attention(self, queries, layers=None, heads=None) -> np.ndarray:
        """Attention mass [T] each token received from the query tokens, averaged over queries,
        the chosen layers and heads: Φ((b−μ)/σ) − Φ((a−μ)/σ) with [a, b] the token's span in the
        memory the query read. Queries whose memory was empty count as zero."""
        queries = np.atleast_1d(np.asarray(queries, dtype=np.int64))
        layers = range(self.num_layers) if layers is None else np.atleast_1d(layers)
        heads = slice(None) if heads is None else np.atleast_1d(heads)
        total = np.zeros(self.num_tokens)
        count = 0
        by_update: dict = {}
        for q in queries:
            by_update.setdefault(self.memory_seen_by(self.segment_of(int(q))), []).append(int(q))
        for layer in layers:
            history = self.spans_at(by_update, layer)  # one replay per layer for all the queries
            for update, qs in by_update.items():
                mu = self.mu[layer, qs][:, heads].reshape(-1)
                sigma_sq = self.sigma_sq[layer, qs][:, heads].reshape(-1)
                count += len(mu)
                if update < 0 or np.isnan(mu).all():
                    continue
                spans, tokens = history[update]
                traced = tokens - self.token_offset
                keep = (tokens >= 0) & (traced >= 0)  # tokens before the trace are not in this table
                mass = span_mass_sum(spans[keep], mu, sigma_sq)
                np.add.at(total, traced[keep], mass)
        return total / max(1, count)

    def default_queries(self) -> np.ndarray:
        """The query tokens, or the last segment's tokens when the text had no query."""
        if self.num_text_tokens < self.num_tokens:
            return np.arange(self.num_text_tokens, self.num_tokens)
        start, end = self.segments[-1]
        return np.arange(start, end)

    def summary(self, seconds: float | None = None) -> dict:
        """The numbers of the CLI's summary.json: sizes, time, perplexity and the memory settings."""
        seconds = float(self.seconds.sum()) if seconds is None else float(seconds)
        loss = self.token_loss[~np.isnan(self.token_loss)]
        cfg = self.config
        out = {"num_tokens": self.num_tokens, "num_text_tokens": self.num_text_tokens,
               "num_query_tokens": self.num_tokens - self.num_text_tokens, "num_segments": len(self.segments),
               "num_memory_updates": int((self.update_kind > 0).sum()), "seconds": round(seconds, 3),
               "tokens_per_second": round(self.num_tokens / max(seconds, 1e-9), 1),
               "perplexity": round(float(np.exp(loss.astype(np.float64).mean())), 3) if len(loss) else None,
               "layers": cfg["n_layers"], "heads": cfg["n_heads"], "segment_len": cfg["segment_len"],
               "stm_len": cfg["stm_len"]}
        if self.ltm:
            ltm = self.ltm
            out.update({"N": ltm["num_basis"], "widths": list(ltm["widths"]), "tau": ltm["tau"],
                        "M": ltm["num_samples"], "sticky": ltm["sticky"], "D": ltm["num_bins"],
                        "ridge": ltm["ridge"], "seed": ltm["seed"]})
        return out

    # ------------------------------------------------------------- tables (the CLI's CSV files)
    def tokens_table(self, tokenizer=None, queries=None) -> pd.DataFrame:
        T = self.num_tokens
        start = np.full(T, np.nan)
        end = np.full(T, np.nan)
        if self.ltm is not None:  # the first layer's spans (with sticky memories each layer warps its own way)
            spans, span_tokens = self.spans_after(self.num_updates - 1, 0)  # every unforgotten token
            tokens = span_tokens - self.token_offset
            keep = (span_tokens >= 0) & (tokens >= 0)
            start[tokens[keep]] = spans[keep, 0]
            end[tokens[keep]] = spans[keep, 1]
        attention = self.token_attention(self.default_queries() if queries is None else queries) \
            if self.ltm is not None else np.zeros(T)
        offsets = self.offsets if self.offsets is not None else np.zeros((T, 2), dtype=np.int64)
        texts = [self.text[a:b] for a, b in offsets] if self.text else (
            tokenizer.token_texts(self.token_ids) if tokenizer else [""] * T)
        return pd.DataFrame({"token_index": np.arange(T), "text": texts, "char_start": offsets[:, 0],
                             "char_end": offsets[:, 1], "ltm_t_start": start, "ltm_t_end": end,
                             "ltm_attention": attention, "is_query": np.arange(T) >= self.num_text_tokens,
                             "loss": self.surprisal()})

    def long_term_share(self) -> np.ndarray:
        """[Y, T] ‖Z_LTM‖ / (‖Z_local‖ + ‖Z_LTM‖): how much of each layer's attention output, by size, came
        from the long-term read rather than the local (short-term) attention. 0 where the memory was empty."""
        total = self.local_norm + self.ltm_norm
        return np.divide(self.ltm_norm, total, out=np.zeros_like(total), where=total > 0)

    def long_term_head_share(self, token: int) -> np.ndarray:
        """[Y, H] for one token: head h's long-term term against its local one, ‖LTM_h‖ / (‖local_h‖ + ‖LTM_h‖)
        (query head h of the local attention and of the long-term read share their query vector)."""
        local = self.local_head_norm[:, token].astype(np.float32)
        ltm = self.ltm_head_norm[:, token].astype(np.float32)
        total = local + ltm
        return np.divide(ltm, total, out=np.zeros_like(total), where=total > 0)

    def local_weights(self, token: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(keys [K'] the traced tokens of `token`'s local window, weights [Y, H, K'] of its local attention
        over them), or None when the trace did not keep this token's weights (see `pattern_tokens`)."""
        if self.pattern_tokens is None:
            return None
        q = np.flatnonzero(self.pattern_tokens == token)
        if not len(q):
            return None
        keys = self.local_pattern_keys[q[0]]
        keep = (keys >= 0) & (keys <= token)  # later tokens of its segment are masked (causal): weight 0
        return keys[keep], self.local_pattern[:, q[0]][:, :, keep].astype(np.float32)

    def surprisal(self) -> np.ndarray:
        """[T] nats the model paid for each token given those before it (its loss); NaN for the first,
        which nothing predicted. `token_loss` shifted by one: row t is token t's own cost."""
        return np.concatenate([[np.nan], self.token_loss[:-1]]).astype(np.float32)

    def queries_table(self) -> pd.DataFrame:
        return pd.concat(list(self.queries_chunks()), ignore_index=True)

    def histograms_table(self) -> pd.DataFrame:
        return pd.concat(list(self.histograms_chunks()), ignore_index=True)

    def queries_chunks(self, rows: int = CHUNK_ROWS):
        """queries.csv's rows (every query that read a memory: segment, layer, head, token, μ, σ) as
        DataFrames of about `rows` rows, one (layer, block of tokens) at a time: the CLI writes them one
        after the other, so a long trace's 16 M rows are never one table."""
        Y, T, H = self.mu.shape
        seg = np.searchsorted(self.segments[:, 1], np.arange(T), side="right")
        step = max(1, rows // H)
        for layer in range(Y):
            for a in range(0, T, step):
                b = min(T, a + step)
                token = np.repeat(np.arange(a, b), H)
                mu = self.mu[layer, a:b].ravel()
                keep = ~np.isnan(mu)
                yield pd.DataFrame({"segment": seg[token[keep]], "layer": layer,
                                    "head": np.tile(np.arange(H), b - a)[keep], "token_index": token[keep],
                                    "mu": mu[keep], "sigma": np.sqrt(self.sigma_sq[layer, a:b].ravel()[keep])})

    def histograms_chunks(self, rows: int = CHUNK_ROWS):
        """histograms.csv's rows (each written update's D-bin histogram per layer), in blocks of updates."""
        U, Y, D = self.bin_probs.shape
        written = np.flatnonzero(self.update_kind > 0)
        if not len(written):
            yield pd.DataFrame({"update": [], "layer": [], "bin": [], "probability": []})
        step = max(1, rows // (Y * D))
        for a in range(0, len(written), step):
            ups = written[a:a + step]
            update, layer, b = np.meshgrid(ups, np.arange(Y), np.arange(D), indexing="ij")
            yield pd.DataFrame({"update": update.ravel(), "layer": layer.ravel(), "bin": b.ravel(),
                                "probability": self.bin_probs[ups].ravel()})


# ----------------------------------------------------------------- pure plot quantities
def density_on_grid(mu, sigma_sq, grid) -> np.ndarray:
    """N(t; μ, σ²) on a grid: mu, sigma_sq [...], grid [G] -> [..., G]."""
    mu, var, t = (np.array(a, dtype=np.float64) for a in (mu, sigma_sq, grid))
    return np.exp(-0.5 * (t - mu[..., None]) ** 2 / var[..., None]) / np.sqrt(2 * np.pi * var[..., None])


def reconstruct_signal(coefficients, basis: GaussianBasis, grid) -> np.ndarray:
    """X̄(t) = Bᵀψ(t) on a grid: coefficients [N, e], grid [G] -> [G, e]."""
    t = torch.tensor(np.asarray(grid), dtype=torch.float64)
    psi = gaussian_density(t[:, None], basis.centers.double(), basis.widths.double() ** 2)
    return (psi @ torch.tensor(np.asarray(coefficients), dtype=torch.float64)).numpy()


def span_mass(spans, mu, sigma_sq) -> np.ndarray:
    """Mass of N(μ, σ²) on each span: spans [C, 2], mu, sigma_sq [Q] -> [Q, C]."""
    s = torch.tensor(np.asarray(spans), dtype=torch.float64)
    m = torch.tensor(np.asarray(mu), dtype=torch.float64)[:, None]
    sd = torch.tensor(np.asarray(sigma_sq), dtype=torch.float64).sqrt()[:, None]
    return (torch.special.ndtr((s[:, 1] - m) / sd) - torch.special.ndtr((s[:, 0] - m) / sd)).numpy()


MASS_ELEMENTS = 1 << 22  # queries × spans computed at once (~100 MB of float64 temporaries)


def span_mass_sum(spans, mu, sigma_sq) -> np.ndarray:
    """Σ over the queries of `span_mass`: [C]. In chunks of queries, so memory stays bounded for long
    texts (all 512 query-heads of a segment against 70,000 spans at once took 900 MB)."""
    spans, mu, sigma_sq = np.asarray(spans), np.asarray(mu).reshape(-1), np.asarray(sigma_sq).reshape(-1)
    total = np.zeros(len(spans))
    step = max(1, MASS_ELEMENTS // max(1, len(spans)))
    for i in range(0, len(mu), step):
        total += span_mass(spans, mu[i:i + step], sigma_sq[i:i + step]).sum(0)
    return total


def phrase_shares(spans, span_tokens, phrase_bounds) -> np.ndarray:
    """Share of the memory each phrase holds: Σ (b − a) over its tokens. phrase_bounds [P, 2] token ranges."""
    spans, span_tokens = np.asarray(spans), np.asarray(span_tokens)
    keep = span_tokens >= 0
    widths = np.zeros(int(span_tokens.max(initial=-1)) + 1)
    widths[span_tokens[keep]] = spans[keep, 1] - spans[keep, 0]
    csum = np.concatenate([[0.0], np.cumsum(widths)])
    bounds = np.clip(np.asarray(phrase_bounds, dtype=np.int64), 0, len(widths))
    return csum[bounds[:, 1]] - csum[bounds[:, 0]]


SENTENCE_END = re.compile(r"[.!?;]+[\"')\]”’]*\s+"                 # Latin punctuation, then a space
                          r"|[。！？；｡]+[」』）〕】”’\"')]*\s*"    # CJK full stops (no space follows)
                          r"|[؟۔।॥]+\s*"                            # Arabic, Urdu, Devanagari
                          r"|\n\s*\n")                             # a blank line


def sentence_bounds(text: str, offsets, num_tokens: int | None = None) -> np.ndarray:
    """Token ranges [P, 2] of the sentences of `text`: split after . ! ? ; followed by a space, after
    the full stops of scripts written without spaces (Chinese and Japanese 。！？, Arabic ؟, Urdu ۔,
    Devanagari ।), or at a blank line."""
    offsets = np.asarray(offsets)
    n = len(offsets) if num_tokens is None else num_tokens
    cuts = [m.end() for m in re.finditer(SENTENCE_END, text)]
    # a BPE token carries its leading space (" Harry"): place it by its first visible character
    starts = np.array([a + len(text[a:b]) - len(text[a:b].lstrip()) if b > a else a for a, b in offsets[:n]],
                      dtype=np.int64)
    token_cuts = np.searchsorted(starts, cuts, side="left")
    edges = np.unique(np.concatenate([[0], token_cuts, [n]]))
    return np.stack([edges[:-1], edges[1:]], 1)


# ----------------------------------------------------------------- recording
def disjoint_offsets(offsets) -> np.ndarray:
    """Make character offsets [T, 2] non-overlapping: the byte pieces of one multi-byte character
    all carry that character's offsets; the first piece keeps it, the others become empty, so
    text[start:end] over the tokens spells the text once."""
    out = np.array(offsets, dtype=np.int64).reshape(-1, 2)
    if len(out):
        ends = np.maximum.accumulate(out[:, 1])
        out[1:, 0] = np.maximum(out[1:, 0], ends[:-1])
        out[:, 1] = np.maximum(out[:, 1], out[:, 0])
    return out


def traced_tokens(trace: Trace, span_tokens) -> np.ndarray:
    """Span token numbers (counted from the memory's last reset) as indices into the trace's
    tokens; -1 for empty slots and for tokens read before the trace began."""
    tokens = np.asarray(span_tokens, dtype=np.int64) - trace.token_offset
    return np.where((np.asarray(span_tokens) >= 0) & (tokens >= 0), tokens, -1)
