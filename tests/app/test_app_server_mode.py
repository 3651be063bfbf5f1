"""Server mode (pages/_server.py): a class's server offers only its shipped models, refuses a
session file naming any other path without saying whether it exists, and shows no tracebacks."""
import pytest
from app_helpers import assert_clean, errors, needs_model, start, widget
from streamlit import config

from pages._share import session_json
from pages._sidebar import LOCAL, shipped_models

pytestmark = needs_model
SETTINGS = dict(tau=0.75, num_samples=128, sticky=False, num_bins=64, seed=7)
TEXT = "The lighthouse keeper counted the ships that passed in the night. " * 25


@pytest.fixture
def server(monkeypatch):
    before = config.get_option("client.showErrorDetails")
    monkeypatch.setenv("INFFORMER_SERVER_MODE", "1")
    yield
    config.set_option("client.showErrorDetails", before)  # a process-wide option: leave it as found


def test_no_path_box_and_no_tracebacks(server):
    at = start()
    assert_clean(at)
    options = widget(at, "selectbox", "Checkpoint").options
    assert LOCAL not in options and set(options) == set(shipped_models())
    assert config.get_option("client.showErrorDetails") == "none"


@pytest.mark.parametrize("path", ["/etc", "/no/such/dir", "../../.."])
def test_a_session_file_naming_a_server_path_is_refused_alike(server, path):
    at = start()
    at.get("button_group")[0].set_value("Session file").run()
    data = session_json(TEXT, "", "x", path, SETTINGS).encode()
    at.file_uploader[0].upload("session.json", data, "application/json").run()
    assert_clean(at)
    message = [e for e in errors(at) if "session.json" in e]
    assert message and "only its shipped models" in message[0]
    assert "exist" not in message[0] and "missing" not in message[0]  # the same words whatever the path
    assert "Home Alone" in at.session_state["doc"].label  # nothing changed
    assert at.session_state.get("set_local_dir") is None


def test_without_server_mode_a_developer_still_has_the_path_box(monkeypatch):
    monkeypatch.delenv("INFFORMER_SERVER_MODE", raising=False)
    at = start()
    assert LOCAL in widget(at, "selectbox", "Checkpoint").options
