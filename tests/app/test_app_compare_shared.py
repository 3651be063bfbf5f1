"""Issue 26: the Predictions page's comparison travels with the view: a link's `vs=τ,sticky,seed`
and a session file (version 2) reopen it; version-1 files still open; bad comparisons are named."""
import json

import pytest
from app_helpers import assert_clean, errors, needs_model, open_page, start, warnings

from pages._compare import COMPARE
from pages._share import ShareError, pack_compare, read_session, session_json, unpack_compare

pytestmark = needs_model
TEXT = "The lighthouse keeper counted the ships that passed in the night. " * 25
SETTINGS = dict(tau=0.75, num_samples=128, sticky=True, num_bins=64, seed=7)
COMPARED = {"tau": 0.9, "sticky": False, "seed": 3, "model": None}


def param(at, name):
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def test_a_comparison_is_written_into_the_link_and_a_link_reopens_it():
    at = open_page("predictions")
    at.radio(key="_w_pred_shading").set_value(COMPARE).run()
    at.slider(key="_w_pred_cmp_tau").set_value(0.9).run()
    assert_clean(at)
    written = param(at, "vs")
    toggle = at.toggle(key="_w_pred_cmp_sticky").value
    assert written == f"0.9,{int(toggle)},{at.number_input(key='_w_pred_cmp_seed').value}"
    link = {k: param(at, k) for k in at.query_params}
    other = open_page("predictions", query_params=link)  # someone else opens the link
    assert other.radio(key="_w_pred_shading").value == COMPARE
    assert other.slider(key="_w_pred_cmp_tau").value == 0.9
    assert other.toggle(key="_w_pred_cmp_sticky").value == toggle
    assert other.dataframe[1].value["settings"].str.contains("compared").any()  # it compared at once
    at.radio(key="_w_pred_shading").set_value("Surprisal").run()
    assert "vs" not in at.query_params  # no comparison, nothing in the link


@pytest.mark.parametrize("vs,message", [("2,0,0", "τ must lie in"), ("0.9,2,0", "0 or 1"), ("a,b", "τ,sticky,seed"),
                                        ("0.9,0,-1", "must lie in"), ("nan,0,0", "must lie in"),
                                        ("0.9,0,0,../../etc", "not the name of one of the app's models"),
                                        ("0.9,0,0,/work/x", "not the name")])
def test_a_bad_comparison_in_a_link_is_named_and_the_page_opens_without_it(vs, message):
    with pytest.raises(ShareError, match=message):
        unpack_compare(vs)
    at = open_page("predictions", query_params={"vs": vs})
    assert any(message in w and "without a comparison" in w for w in warnings(at)), warnings(at)
    assert at.radio(key="_w_pred_shading").value == "Surprisal"


def test_the_link_form_round_trips():
    assert unpack_compare(pack_compare(COMPARED)) == COMPARED
    other = {**COMPARED, "model": "smollm2-sticky"}
    assert pack_compare(other) == "0.9,0,3,smollm2-sticky" and unpack_compare(pack_compare(other)) == other


def test_a_link_naming_a_model_the_app_does_not_ship_compares_the_sidebars_model_and_says_so():
    at = open_page("predictions", query_params={"vs": "0.9,0,3,no-such-model"})
    assert any("'no-such-model' is not one of this app's models" in w for w in warnings(at)), warnings(at)
    assert at.radio(key="_w_pred_shading").value == COMPARE
    assert at.selectbox(key="_w_pred_cmp_model").value == "the sidebar's model"


def test_a_session_file_keeps_the_comparison_and_version_1_files_still_open():
    data = session_json(TEXT, "", "notes", "austen-cmudog-sticky", SETTINGS, COMPARED).encode()
    assert read_session(data)["compare"] == COMPARED
    at = start()
    at.get("button_group")[0].set_value("Session file").run()
    at.file_uploader[0].upload("session.json", data, "application/json").run()
    assert_clean(at)
    assert not errors(at)
    at.switch_page("pages/predictions.py").run()
    assert at.radio(key="_w_pred_shading").value == COMPARE
    assert (at.slider(key="_w_pred_cmp_tau").value, at.toggle(key="_w_pred_cmp_sticky").value,
            at.number_input(key="_w_pred_cmp_seed").value) == (0.9, False, 3)
    assert param(at, "vs") == "0.9,0,3"
    old = json.loads(session_json(TEXT, "", "notes", "austen-cmudog-sticky", SETTINGS))
    old["version"] = 1
    del old["compare"]
    assert read_session(json.dumps(old).encode())["compare"] is None
    old["compare"] = COMPARED  # a version-1 file has no comparison field
    with pytest.raises(ShareError, match="does not know"):
        read_session(json.dumps(old).encode())


@pytest.mark.parametrize("compare,message", [
    ({"tau": 0.9, "sticky": 0, "seed": 3}, "true or false"),
    ({"tau": 0.9, "sticky": False}, "optionally model"),
    ({"tau": 0.9, "sticky": False, "seed": 3, "model": "x", "path": "/etc"}, "optionally model"),
    ({"tau": 0.9, "sticky": False, "seed": 3, "model": 7}, "not the name"),
    ({"tau": 0.9, "sticky": False, "seed": 3.5}, "whole number"),
    ({"tau": 1e400, "sticky": False, "seed": 3}, "must lie in"),
    ({"tau": 0.9, "sticky": False, "seed": 1e400}, "whole number"),
    ("0.9,0,3", "optionally model"),
])
def test_a_bad_comparison_in_a_session_file_is_named(compare, message):
    data = json.loads(session_json(TEXT, "", "notes", "m", SETTINGS))
    data["compare"] = compare
    with pytest.raises(ShareError, match=message):
        read_session(json.dumps(data).encode())


def test_a_seed_of_infinity_in_the_settings_is_named_not_a_crash():
    data = json.loads(session_json(TEXT, "", "notes", "m", SETTINGS))
    data["settings"]["seed"] = 1e400  # json writes Infinity, and reads it back
    with pytest.raises(ShareError, match="whole number"):
        read_session(json.dumps(data).encode())
