"""The plain statement of which Figure 3 trends reproduce, on hand-made tables."""
from infformer.sorting_trends import sorting_trends

PAPER = {256: (4000, {"stm": 91.0, "compressive": 86.1, "ltm": 86.8}),
         512: (8000, {"stm": 63.1, "compressive": 77.0, "ltm": 83.1})}


def rows(ours: dict) -> list[dict]:
    """ours: {length: {variant: accuracy}} -> table rows with the paper's numbers beside them."""
    return [{"variant": v, "length": n, "accuracy": a, "paper_length": PAPER[n][0], "paper_accuracy": PAPER[n][1][v]}
            for n, points in ours.items() for v, a in points.items()]


def test_orders_are_compared_length_by_length():
    said = sorting_trends(rows({256: {"stm": 90.0, "compressive": 80.0, "ltm": 85.0},
                                512: {"stm": 30.0, "compressive": 50.0, "ltm": 60.0}}))
    assert said[0].startswith("Length 256: ours Compressive 80.0 < ∞-former 85.0 < Transformer-XL 90.0")
    assert said[0].endswith("**the same order**.")
    assert said[1].startswith("Length 512: ours Transformer-XL 30.0 < Compressive 50.0 < ∞-former 60.0")
    assert said[1].endswith("**the same order**.")


def test_a_different_order_is_said_so():
    said = sorting_trends(rows({256: {"stm": 30.0, "ltm": 60.0}}))
    assert said == ["Length 256: ours Transformer-XL 30.0 < ∞-former 60.0; the paper's at 4,000: "
                    "∞-former 86.8 < Transformer-XL 91.0: **a different order**."]


def test_each_models_path_along_length_with_a_flat_band():
    said = sorting_trends(rows({256: {"stm": 40.0, "ltm": 60.0}, 512: {"stm": 30.0, "ltm": 60.5}}))
    assert "Transformer-XL from 256 to 512: 40.0 → 30.0 (−10.0 points, falls); the paper's 91.0 → 63.1 (−27.9, falls)." in said
    assert "∞-former from 256 to 512: 60.0 → 60.5 (+0.5 points, about flat); the paper's 86.8 → 83.1 (−3.7, falls)." in said
    assert not any("falls least" in s for s in said)  # two models: least and most say nothing more


def test_which_falls_least_and_most_against_the_paper():
    said = sorting_trends(rows({256: {"stm": 40.0, "compressive": 60.0, "ltm": 65.0},
                                512: {"stm": 35.0, "compressive": 50.0, "ltm": 66.0}}))
    assert said[-2] == ("Between 256 and 512, the one that falls least: ours ∞-former, the paper's ∞-former: "
                        "**reproduces**.")
    assert said[-1] == ("Between 256 and 512, the one that falls most: ours Compressive, the paper's Transformer-XL: "
                        "**does not reproduce**.")


def test_a_lone_point_and_missing_accuracies_say_nothing():
    assert sorting_trends(rows({256: {"ltm": 60.0}})) == []
    assert sorting_trends([{"variant": "ltm", "length": 256, "accuracy": float("nan"), "paper_length": 4000,
                            "paper_accuracy": 86.8}]) == []
    # without the paper's numbers, ours alone
    said = sorting_trends([{"variant": "stm", "length": 64, "accuracy": 50.0, "paper_length": None, "paper_accuracy": None},
                           {"variant": "ltm", "length": 64, "accuracy": 55.0, "paper_length": None, "paper_accuracy": None}])
    assert said == ["Length 64: ours Transformer-XL 50.0 < ∞-former 55.0."]
