"""Greedy and nucleus (top-p) generation that keeps feeding the memory."""
from __future__ import annotations

import dataclasses
from collections.abc import Collection

import torch
from torch import Tensor

from .memory import MemoryState
from .model import InfFormer


def top_p_filter(logits: Tensor, top_p: float) -> Tensor:
    """Keep the smallest set of tokens whose probability reaches top_p; the rest get -inf. [B, V]."""
    sorted_logits, order = logits.sort(dim=-1, descending=True)
    probs = sorted_logits.softmax(-1)
    # drop a token when the mass before it already reaches top_p (the top token always stays)
    drop = probs.cumsum(-1) - probs >= top_p
    sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
    return torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)


@torch.no_grad()
def generate(model: InfFormer, prompt: Tensor, max_new_tokens: int, state: MemoryState | None = None,
             top_p: float | None = None, temperature: float = 1.0, seed: int = 0,
             stop_token: int | Collection[int] | None = None) -> tuple[Tensor, MemoryState]:
    """Continue prompt [B, T] by max_new_tokens; greedy when top_p is None, else nucleus sampling.

    The prompt and every generated token go through `model` and so into its memory; returns
    (new tokens [B, max_new_tokens], memory state after the last of them). Generation stops early
    once every row's newest token is `stop_token` (or one of them, when it is a collection).
    """
    if prompt.shape[1] == 0:
        raise ValueError("prompt is empty: give at least one token")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    generator = torch.Generator(device=prompt.device).manual_seed(seed)
    stops = None
    if stop_token is not None:
        stops = torch.tensor(sorted({stop_token} if isinstance(stop_token, int) else set(stop_token)),
                             dtype=torch.long, device=prompt.device)
    state = (state if state is not None else model.initial_state(prompt.shape[0], prompt.device)).with_cache()
    logits, state = model(prompt, state)
    out = []
    for _ in range(max_new_tokens):
        last = logits[:, -1].float() / temperature
        if top_p is None:
            token = last.argmax(-1, keepdim=True)
        else:
            probs = top_p_filter(last, top_p).softmax(-1)
            token = torch.multinomial(probs, 1, generator=generator)
        out.append(token)
        logits, state = model(token, state)  # every generated token enters the memory too
        if stops is not None and bool(torch.isin(token, stops).all()):
            break
    new = torch.cat(out, 1) if out else prompt[:, :0]
    return new, dataclasses.replace(state, cache=None)   # the cache is generation's own, not the caller's


def first_line_length(prefixes: list) -> int:
    """How many generated tokens make a reply of one line (a turn): `prefixes[i]` is the text of the
    first i tokens. The reply ends with the token that ends its first non-blank line (leading blank
    lines are kept), or takes every token when no line ends."""
    for i, text in enumerate(prefixes):
        if "\n" in text.lstrip():
            return i
    return len(prefixes) - 1
