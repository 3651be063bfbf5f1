"""The strip of tokens a click makes the query (issue 26): which tokens it shows, what each point
carries, and how a chart selection is read back (including junk a browser could send)."""
import numpy as np
import pytest
from app_helpers import needs_model

from infformer.viz.token_strip import selected_tokens, strip_tokens, token_strip_figure


def test_a_long_candidate_list_is_windowed_around_the_chosen_place():
    candidates = np.arange(100, 10_100)
    assert np.array_equal(strip_tokens(candidates[:50], max_points=64), candidates[:50])
    last = strip_tokens(candidates, max_points=1000)
    assert np.array_equal(last, candidates[-1000:])
    middle = strip_tokens(candidates, around=5_000, max_points=1000)
    assert len(middle) == 1000 and middle[0] <= 5_000 <= middle[-1] and np.all(np.diff(middle) == 1)
    first = strip_tokens(candidates, around=0, max_points=1000)
    assert np.array_equal(first, candidates[:1000])


@pytest.mark.parametrize("points,want", [
    ([{"customdata": 12}, {"customdata": [7]}, {"customdata": 12.0}], [7, 12]),
    ([{"customdata": "12"}, {"customdata": True}, {"customdata": 1.5}, {"x": 3}, {}], []),
    (None, []),
])
def test_selected_points_are_read_as_token_ids_and_junk_is_ignored(points, want):
    assert selected_tokens(points) == want


@needs_model
def test_each_point_is_a_token_at_the_height_of_its_surprisal(reference):
    trace = reference[0]
    candidates = np.flatnonzero(~np.isnan(trace.mu[0, :, 0]))
    fig = token_strip_figure(trace, candidates, chosen=[int(candidates[-1])])
    points = fig.data[0]
    assert list(points.customdata) == candidates.tolist() and list(points.x) == candidates.tolist()
    np.testing.assert_allclose(points.y, np.nan_to_num(trace.surprisal()[candidates]), rtol=1e-6)
    a, b = trace.offsets[candidates[0]]
    assert trace.text[a:b].strip() in points.text[0]
    assert list(fig.data[1].x) == [int(candidates[-1])]  # the current query is ringed


@needs_model
def test_the_strip_is_drawn_only_when_asked_for():
    from app_helpers import assert_clean, figures, open_page
    at = open_page("attention")
    before = len(figures(at))
    at.toggle(key="query_click_on").set_value(True).run()
    assert_clean(at)
    strip = figures(at)[0]
    assert len(figures(at)) == before + 1 and strip["data"][0]["name"] == "tokens"
