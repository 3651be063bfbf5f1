"""The plain statement of which Figure 3 trends reproduce, on hand-made tables."""
from infformer.experiments.sorting.trends import basis_trends, sorting_trends

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


PAPER_BY_N = {8: (128, 82.7, 0.145), 16: (256, 83.4, 0.125), 32: (512, 83.7, 0.104), 64: (1024, 84.7, 0.086),
              128: (2048, 81.9, 0.065)}


def basis_rows(ours: dict) -> list[dict]:
    """ours: {N: (accuracy, regression error)} -> sorting_converged_by_basis.csv rows, the paper's beside them."""
    return [{"num_basis": n, "accuracy": a, "regression_error": e, "seed_low": a - 1, "seed_high": a + 2, "seeds": 2,
             "paper_num_basis": PAPER_BY_N[n][0], "paper_accuracy": PAPER_BY_N[n][1],
             "paper_regression_error": PAPER_BY_N[n][2]} for n, (a, e) in ours.items()]


def test_along_n_the_peak_and_the_regression_error_against_the_paper():
    said = basis_trends(basis_rows({64: (52.0, 0.2), 8: (48.0, 0.5), 128: (50.0, 0.1), 16: (50.0, 0.3)}))
    assert said[0] == ("Accuracy from N = 8 to N = 128: 48.0 → 50.0 → 52.0 → 50.0 (+2.0 points, rises), highest at "
                       "N = 64 (one point's seeds differ by up to 3.0 points); the paper's (N = 128 to 2,048) "
                       "82.7 → 83.4 → 84.7 → 81.9 (−0.8, about flat), highest at N = 1,024: **the same peak**.")
    assert said[1] == ("Regression error from N = 8 to N = 128: 0.500 → 0.300 → 0.200 → 0.100 (falls at every step); "
                       "the paper's 0.145 → 0.125 → 0.086 → 0.065 (falls): **reproduces**.")


def test_along_n_a_flat_error_and_a_different_peak_are_said_so():
    said = basis_trends(basis_rows({8: (50.0, 0.60), 16: (48.0, 0.68), 32: (47.0, 0.62)}))
    assert said[0] == ("Accuracy from N = 8 to N = 32: 50.0 → 48.0 → 47.0 (−3.0 points, falls), highest at N = 8 "
                       "(one point's seeds differ by up to 3.0 points); the paper's (N = 128 to 512) "
                       "82.7 → 83.4 → 83.7 (+1.0, rises), highest at N = 512: **a different peak**.")
    assert said[1] == ("Regression error from N = 8 to N = 32: 0.600 → 0.680 → 0.620 (about flat); "
                       "the paper's 0.145 → 0.125 → 0.104 (falls): **does not reproduce**.")


def test_along_n_one_point_or_one_seed_says_less():
    assert basis_trends(basis_rows({8: (50.0, 0.6)})) == []
    # a point not run yet (no accuracy) is left out; one seed each: no spread to quote
    rows = basis_rows({8: (50.0, 0.6), 16: (51.5, 0.5)}) + [{"num_basis": 32, "accuracy": float("nan")}]
    for r in rows[:2]:
        r["seeds"] = 1
    said = basis_trends(rows)
    assert said[0].startswith("Accuracy from N = 8 to N = 16: 50.0 → 51.5 (+1.5 points, rises), highest at N = 16;")
    assert said[1].startswith("Regression error from N = 8 to N = 16: 0.600 → 0.500 (falls)")
