"""Write the app's example texts from their sources (deterministic; the outputs are committed).

    python scripts/make_examples.py --cmudog ../shared/data/cmu_dog/full

- assets/examples/home_alone.txt: the CMU-DoG "Home Alone" document (wikiDocumentIdx 20) as text.
- assets/examples/home_alone_dialogue.txt: that document, then test conversation
  4a568148c1bf3330ca54dc7657606b30eb62df26 up to (not including) turn 28; the turn itself,
  "A: Who is the actress that plays his mom?", is the example's query (examples.json).
- assets/examples/home_alone_conversation.json: the dataset's records of that document and that
  whole conversation (each turn's docIdx included), for the app's Dialogue page.
- assets/examples/pride_and_prejudice_ch1.txt: chapter 1 of Pride and Prejudice as paragraphs.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from infformer.corpora import cmudog
from infformer.corpora.paragraphs import join_wrapped_lines

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "assets" / "examples"
CONVERSATION, QUERY_TURN = "4a568148c1bf3330ca54dc7657606b30eb62df26", 28


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cmudog", required=True)
    args = p.parse_args(argv)
    doc = cmudog.documents(args.cmudog)[20]
    conv = next(c for c in cmudog.conversations(args.cmudog, "test") if c.id == CONVERSATION)
    (EXAMPLES / "home_alone.txt").write_text(doc.text, encoding="utf-8")
    dialogue = doc.text + "\n" + cmudog.dialogue_text(conv.turns[:QUERY_TURN])
    (EXAMPLES / "home_alone_dialogue.txt").write_text(dialogue, encoding="utf-8")
    records = {"document": next(r for r in cmudog._lines(args.cmudog, "documents.jsonl") if r["wikiDocumentIdx"] == 20),
               "conversation": next(r for r in cmudog._lines(args.cmudog, "conversations.jsonl")
                                    if r["id"] == CONVERSATION)}
    (EXAMPLES / "home_alone_conversation.json").write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n",
                                                           encoding="utf-8")
    speaker, _, turn = conv.turns[QUERY_TURN]
    print(f"query: {speaker}: {turn}")
    book = (ROOT / "data" / "austen" / "5_pride_and_prejudice.txt").read_text(encoding="utf-8")
    chapter = "Pride and Prejudice, by Jane Austen\n\n" + re.search(r"Chapter 1\n.*?(?=\nChapter 2\n)", book, re.S).group(0)
    (EXAMPLES / "pride_and_prejudice_ch1.txt").write_text(join_wrapped_lines(chapter), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
