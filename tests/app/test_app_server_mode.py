"""Server mode (pages/_server.py): a class's server offers only its shipped models and shows no
tracebacks; in either mode a session file naming a path is never followed."""
import pytest
from app_helpers import assert_clean, errors, needs_model, start, warnings, widget
from streamlit import config

from pages._share import session_json
from pages._sidebar import LOCAL, shipped_models

pytestmark = needs_model
SETTINGS = dict(tau=0.75, num_samples=128, sticky=False, num_bins=64, seed=7)
TEXT = "The lighthouse keeper counted the ships that passed in the night. " * 25


@pytest.fixture
def error_details():
    before = config.get_option("client.showErrorDetails")
    yield
    config.set_option("client.showErrorDetails", before)  # a process-wide option: leave it as found


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


@pytest.mark.parametrize("server_on", [True, False])
def test_a_session_file_naming_a_path_never_reaches_it(monkeypatch, server_on, error_details):
    """In either mode a session file's model is taken only among the shipped ones: a path is never
    opened or looked at, and the message is the same whatever the path (exists or not)."""
    if server_on:
        monkeypatch.setenv("INFFORMER_SERVER_MODE", "1")
    else:
        monkeypatch.delenv("INFFORMER_SERVER_MODE", raising=False)
    seen = []
    for path in ["/etc", "/no/such/dir", "../../.."]:
        at = start()
        at.get("button_group")[0].set_value("Session file").run()
        at.file_uploader[0].upload("s.json", session_json(TEXT, "", "x", path, SETTINGS).encode(), "application/json").run()
        assert_clean(at)
        assert not errors(at)
        message = [w for w in warnings(at) if "not one of this app's models" in w]
        assert message, warnings(at)
        seen.append(message[0].replace(path, "PATH"))
        assert at.session_state["doc"].text == TEXT  # the text and settings are read ...
        assert at.session_state["set_model"] in shipped_models()  # ... with a shipped model
        assert at.session_state.get("set_local_dir") is None
    assert len(set(seen)) == 1  # the same words whatever the path


def test_without_server_mode_a_developer_still_has_the_path_box(monkeypatch):
    monkeypatch.delenv("INFFORMER_SERVER_MODE", raising=False)
    at = start()
    assert LOCAL in widget(at, "selectbox", "Checkpoint").options
