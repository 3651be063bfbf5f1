"""The app's background jobs: one computation per key for every session, queued on the workers,
never stopped by a page that stops waiting for it."""
import threading
import time

import pytest

from pages._jobs import Cancelled, Jobs


class Result:
    def __init__(self, value, size=10):
        self.value, self.size = value, size

    def nbytes(self):
        return self.size


def test_one_computation_per_key_however_many_ask():
    jobs, calls, gate = Jobs(workers=1), [], threading.Event()

    def compute(on_segment):
        calls.append(1)
        gate.wait(5)
        on_segment(3, 3)
        return Result("traced")

    a = jobs.submit("k", compute)
    b = jobs.submit("k", compute)
    assert a is b
    gate.set()
    assert a.future.result(5).value == "traced" and len(calls) == 1
    assert jobs.submit("k", compute) is a and len(calls) == 1  # finished: served from the registry


def test_queued_jobs_know_how_many_are_ahead_and_run_in_order():
    jobs, gate, order = Jobs(workers=1), threading.Event(), []

    def compute(name):
        def run(on_segment):
            gate.wait(5)
            order.append(name)
            return Result(name)
        return run

    first = jobs.submit("a", compute("a"))
    time.sleep(0.05)
    second, third = jobs.submit("b", compute("b")), jobs.submit("c", compute("c"))
    assert first.started and not second.started
    assert jobs.ahead_of(second) == 0 and jobs.ahead_of(third) == 1
    gate.set()
    assert third.future.result(5).value == "c" and order == ["a", "b", "c"]


def test_a_job_outlives_the_page_that_waited_for_it():
    """A waiter that is stopped (a page change) leaves the job running; the next page gets its result."""
    jobs, gate = Jobs(workers=1), threading.Event()
    job = jobs.submit("long", lambda on_segment: (gate.wait(5), Result("done"))[1])

    class Stopped(Exception):
        pass

    def waiting_page():
        while not job.future.done():
            raise Stopped  # what Streamlit does to a script whose user clicked another page

    with pytest.raises(Stopped):
        waiting_page()
    gate.set()
    assert jobs.submit("long", None).future.result(5).value == "done"


def test_a_failed_job_is_computed_again():
    jobs = Jobs(workers=1)
    bad = jobs.submit("k", lambda on_segment: (_ for _ in ()).throw(ValueError("no tokens")))
    with pytest.raises(ValueError):
        bad.future.result(5)
    good = jobs.submit("k", lambda on_segment: Result("ok"))
    assert good is not bad and good.future.result(5).value == "ok"


def test_finished_results_are_evicted_beyond_the_byte_budget(monkeypatch):
    import pages._jobs as module
    monkeypatch.setattr(module, "MAX_RESULT_BYTES", 25)
    jobs = Jobs(workers=1)
    for k in "abcd":
        jobs.submit(k, lambda on_segment, k=k: Result(k, size=10)).future.result(5)
    jobs.submit("e", lambda on_segment: Result("e", size=10)).future.result(5)
    assert "a" not in jobs.jobs and len([j for j in jobs.jobs.values() if j.future.done()]) <= 3


# ----------------------------------------------------------------------------- fair sharing (issue 25)
def segments(n: int, log: list, name: str, pause: float = 0.02, gate: threading.Event | None = None):
    """A computation of n segments that logs each one it finishes."""
    def run(on_segment):
        for i in range(n):
            if gate is not None:
                gate.wait(5)
            time.sleep(pause)
            log.append(name)
            on_segment(i + 1, n)
        return Result(name)
    return run


def test_a_short_job_finishes_before_a_long_one_submitted_with_it():
    """One slot; session A's 40-segment trace starts first, session B's 3-segment one right after:
    the slot goes to B between A's segments, so B is done long before A."""
    jobs, log = Jobs(workers=1), []
    long = jobs.submit("long", segments(40, log, "A"), session="A")
    time.sleep(0.05)
    short = jobs.submit("short", segments(3, log, "B"), session="B")
    assert short.future.result(10).value == "B"
    assert not long.future.done()
    assert log.count("A") < 10  # B did not wait for A's 40 segments
    assert long.future.result(10).value == "A"


def test_sessions_take_turns_segment_by_segment():
    jobs, log = Jobs(workers=1), []
    a = jobs.submit("a", segments(5, log, "A"), session="A")
    time.sleep(0.01)
    b = jobs.submit("b", segments(5, log, "B"), session="B")
    a.future.result(10), b.future.result(10)
    switches = sum(1 for x, y in zip(log, log[1:], strict=False) if x != y)
    assert switches >= 6, log  # interleaved, not AAAAABBBBB


def test_a_new_trace_from_the_same_session_cancels_its_previous_one():
    jobs, log = Jobs(workers=1), []
    first = jobs.submit("seed-0", segments(200, log, "0"), session="S")
    time.sleep(0.05)
    second = jobs.submit("seed-1", segments(2, log, "1"), session="S")
    assert second.replaced == 1
    assert second.future.result(10).value == "1"
    with pytest.raises(Cancelled):
        first.future.result(10)
    assert log.count("0") < 50 and "seed-0" not in jobs.jobs


def test_a_job_another_session_wants_goes_on_when_one_session_moves_on():
    jobs, log = Jobs(workers=1), []
    shared = jobs.submit("shared", segments(10, log, "x"), session="S")
    assert jobs.submit("shared", None, session="T") is shared
    jobs.submit("other", segments(1, log, "y"), session="S")  # S moves on; T still wants it
    assert shared.future.result(10).value == "x"


def test_jobs_of_closed_tabs_are_cancelled():
    alive = {"S": True}
    jobs, log = Jobs(workers=1, alive=lambda s: alive.get(s, False), grace=0.0), []
    job = jobs.submit("k", segments(500, log, "s"), session="S")
    time.sleep(0.1)
    alive["S"] = False  # the visitor closed the tab
    with pytest.raises(Cancelled):
        job.future.result(5)
    queued_alive = {"Q": True, "R": True}
    jobs = Jobs(workers=1, alive=lambda s: queued_alive.get(s, False), grace=0.0)
    gate = threading.Event()
    running = jobs.submit("r", segments(1, [], "r", gate=gate), session="R")
    queued = jobs.submit("q", segments(1, [], "q"), session="Q")
    queued_alive["Q"] = False  # closed while waiting: it never starts
    with pytest.raises(Cancelled):
        queued.future.result(5)
    assert not queued.started
    gate.set()
    assert running.future.result(5).value == "r"


def test_stopping_the_server_stops_running_jobs_at_their_next_segment():
    jobs, log = Jobs(workers=1), []
    job = jobs.submit("k", segments(10_000, log, "s", pause=0.01), session="S")
    time.sleep(0.1)
    thread = next(t for t in threading.enumerate() if t.name == f"infformer-job-{job.ticket}")
    assert thread.daemon  # the interpreter's exit never waits for it
    t0 = time.monotonic()
    jobs.stop()
    with pytest.raises(Cancelled):
        job.future.result(5)
    assert time.monotonic() - t0 < 1.0  # one segment, not the whole trace


def test_the_expected_wait_comes_from_measured_segments_and_the_jobs_sharing_the_slots():
    jobs, log = Jobs(workers=1), []
    gate = threading.Event()
    job = jobs.submit("k", segments(20, log, "s", pause=0.05, gate=gate), session="S", rate_key="m")
    assert jobs.expected_seconds(job) is None  # nothing measured yet
    gate.set()
    while job.done_segments < 5:
        time.sleep(0.01)
    eta = jobs.expected_seconds(job)
    assert eta is not None and 0.2 < eta < 3.0  # ~15 segments of ~0.05 s left
    other = jobs.submit("k2", segments(20, [], "t", pause=0.05), session="T", rate_key="m")
    time.sleep(0.2)
    assert jobs.expected_seconds(job) > eta * 1.2  # two jobs share one slot: it takes longer
    job.future.result(10), other.future.result(10)


def test_the_result_budget_follows_the_machine_or_the_setting():
    from pages._jobs import result_budget
    assert result_budget("300") == 300_000_000
    default = result_budget("")
    assert 256 * 1024 ** 2 <= default <= 4 * 1024 ** 3


def test_a_reload_within_the_grace_period_keeps_the_job():
    alive = {"old": True}
    jobs, log = Jobs(workers=1, alive=lambda s: alive.get(s, False), grace=5.0), []
    job = jobs.submit("k", segments(30, log, "s"), session="old")
    time.sleep(0.1)
    alive["old"] = False  # the page reloads: the old session is gone ...
    time.sleep(0.1)
    alive["new"] = True
    assert jobs.submit("k", None, session="new") is job  # ... and the new one asks for the same trace
    assert job.future.result(10).value == "s"
