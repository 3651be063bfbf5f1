"""The app's background jobs: one computation per key for every session, queued on the workers,
never stopped by a page that stops waiting for it."""
import threading
import time

import pytest

from pages._jobs import Jobs


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
