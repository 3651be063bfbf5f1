"""A tiny CMU-DoG in the condensed layout (documents.jsonl, conversations.jsonl) for tests."""
from __future__ import annotations

import json
from pathlib import Path


def section0(name: str, year: str) -> dict:
    return {"movieName": name, "year": year, "introduction": f"{name} is a {year} film about a dog, a hero, a villain and the long "
                                                    "way the three of them travel before the happy end.",
            "cast": [f"Actor One as Hero of {name}", "Actor Two as Villain"], "director": "Some Director",
            "genre": "Comedy", "rating": ["Rotten Tomatoes: 90%", "CinemaScore: A"],
            "critical_response": ["a warm film. ", "Funny throughout."]}


def conversation(cid: str, split: str, doc: int, turns: list) -> dict:
    return {"id": cid, "split": split, "wikiDocumentIdx": doc, "rating": 2, "status": 1,
            "whoSawDoc": ["user1", "user2"],
            "turns": [{"uid": "user1" if k % 2 == 0 else "user2", "docIdx": k % 4, "text": t}
                      for k, t in enumerate(turns)]}


def write_cmudog(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    docs = [{"wikiDocumentIdx": i, "file": f"film{i}.json",
             "sections": [section0(f"Film {i}", str(1990 + i)),
                          f"The hero of film {i} finds a dog.\nThe dog  is brave.",
                          f"In the middle of film {i} the villain steals the dog.",
                          f"At the end of film {i} the hero gets the dog back."]}
            for i in range(2)]
    shared = ["Did you like the film?", "Yes, the dog was great.", "Who played the hero?"]
    convs = [conversation("tr0", "train", 0, ["Hello there!", "Hi, have you seen Film 0?", "I loved the dog."]),
             conversation("tr1", "train", 1, ["What did you think?", "The villain was scary.", ""]),
             conversation("dup", "train", 0, shared),              # also in test, by its turns
             conversation("te0", "test", 0, shared),
             conversation("te1", "test", 1, ["Is the dog brave?", "Very brave.", "The end was happy."]),
             conversation("va0", "valid", 1, ["A valid turn.", "Another one."])]
    (directory / "documents.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (directory / "conversations.jsonl").write_text("".join(json.dumps(c) + "\n" for c in convs), encoding="utf-8")
    return directory
