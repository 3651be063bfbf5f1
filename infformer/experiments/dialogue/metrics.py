"""Scores of a generated reply against the real next turn (the paper's Table 2).

- **F1**: unigram overlap after SQuAD's normalisation (lower case, punctuation and the articles
  a/an/the removed, whitespace collapsed), as the authors' dialogue code and ParlAI compute it.
- **ROUGE-1 / ROUGE-L**: Google's `rouge-score` (the reference reimplementation of ROUGE-1.5.5)
  with the Porter stemmer. We report the F-measure; the authors' code reported recall, which is
  kept beside it (`rouge1_recall`, `rougeL_recall`) so both readings can be compared.
- **METEOR**: nltk's, with WordNet 3.0 from Debian's `wordnet-base` (meteor.py); left out, and said so,
  where that package is not installed. nltk matches synonyms after Porter stemming, so fewer match
  than in METEOR 1.0 ("movie" is stemmed to "movi" before WordNet is asked).

Each score is averaged over replies (a macro average, as the paper's tables), with a 95% interval
from resampling whole conversations: on a few hundred replies, differences between models of a
fraction of a point are within it.
"""
from __future__ import annotations

import re
import string
from collections import Counter
from functools import lru_cache

from rouge_score import rouge_scorer

from .meteor import meteor
from .uncertainty import cluster_interval

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> str:
    """SQuAD's answer normalisation."""
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def unigram_f1(prediction: str, reference: str) -> float:
    """Harmonic mean of unigram precision and recall of the normalised words (0 when either is empty)."""
    pred, ref = normalize(prediction).split(), normalize(reference).split()
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


@lru_cache(maxsize=1)
def _scorer():
    return rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=True)


def reply_scores(prediction: str, reference: str) -> dict:
    """{f1, rouge1, rougeL (F-measures), rouge1_recall, rougeL_recall, [meteor: where WordNet is installed]}
    of one reply."""
    r = _scorer().score(reference, prediction)  # rouge-score takes (target, prediction)
    out = {"f1": unigram_f1(prediction, reference),
           "rouge1": r["rouge1"].fmeasure, "rougeL": r["rougeL"].fmeasure,
           "rouge1_recall": r["rouge1"].recall, "rougeL_recall": r["rougeL"].recall}
    m = meteor(prediction, reference)
    if m is not None:
        out["meteor"] = m
    return out


def mean_scores(rows: list, conversations: list | None = None, seed: int = 0) -> dict:
    """The average of each score over replies (empty: no scores); with each reply's conversation,
    also `<score>_ci95`, the 95% interval of a bootstrap over conversations (uncertainty.py)."""
    if not rows:
        return {}
    means = {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]}
    if conversations is not None:
        for k in rows[0]:
            means[f"{k}_ci95"] = cluster_interval([r[k] for r in rows], conversations, seed=seed)
    return means
