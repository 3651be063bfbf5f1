"""Long computations (traces, replies) as shared background jobs, served to every visitor in turn.

Why not `st.cache_data` alone: a computation that runs in a page's script thread dies when the
user clicks another page (Streamlit stops the script), so the reading restarted from zero each
time. Here a job runs in its own thread; a page only *waits* for it (drawing its progress), and a
page change stops the waiting, never the job. The registry is keyed by what defines the result
(model, settings, text, query), so students who trace the same example share one computation, and
finished results stay in a byte-bounded LRU sized from the machine's memory.

Fair sharing (a class on one server):
- **Turns, not a queue.** Only `slots` jobs compute at once (one per `THREADS` torch threads the
  cores can give). A job gives its slot back after every segment whenever another job waits, and
  the slot goes to the job whose visitors were served longest ago: a 500-token text is read between
  the segments of someone's 1 MB upload instead of after all of them.
- **One job of a kind per visitor.** A session that starts a new trace no longer wants its previous
  one; a job nobody wants is cancelled at its next segment (or before it starts), and so is one whose
  every visitor closed the tab more than GRACE_SECONDS ago. The page says so when its own earlier trace was stopped.
- **A prompt shutdown.** Job threads are daemons and stop at their next segment when the server exits.
"""
from __future__ import annotations

import atexit
import itertools
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future

import streamlit as st

from infformer.core.heap import release_memory
from infformer.core.settings import default_threads

MAX_RESULTS = 64
GRACE_SECONDS = 20.0  # how long a job outlives the last tab that wanted it (a reload reconnects within it)
GIB = 1024 ** 3


def result_budget(env: str | None = None) -> int:
    """Bytes of finished results kept: $INFFORMER_CACHE_MB if set, else an eighth of the machine's
    memory, between 256 MB and 4 GiB (a 50,000-token trace of the small model is about 60 MB)."""
    env = os.environ.get("INFFORMER_CACHE_MB") if env is None else env
    if env:
        return max(1, int(float(env) * 1e6))
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 8 * GIB
    return int(min(4 * GIB, max(256 * 1024 ** 2, total // 8)))


MAX_RESULT_BYTES = result_budget()


class Cancelled(Exception):
    """No session wants this job any more, or the server is stopping."""


class Job:
    """One computation: its future, the sessions that want it, progress and timing."""

    def __init__(self, key: str, ticket: int, kind: str, rate_key: str):
        self.key, self.ticket, self.kind, self.rate_key = key, ticket, kind, rate_key
        self.future: Future = Future()
        self.wanted_by: set = set()
        self.done_segments, self.total_segments = 0, 0
        self.started = False           # it has held a slot at least once
        self.computing = 0.0           # seconds spent holding a slot
        self.slot_since = None         # monotonic time it got its current slot (None: waiting)
        self.replaced = 0              # jobs of the same session it superseded (the page says so)


class Jobs:
    def __init__(self, workers: int, alive=None, grace: float = GRACE_SECONDS):
        self.workers = workers                    # slots: jobs computing at once
        self.alive = alive or (lambda session: True)
        self.grace = grace                        # a session gone quiet for this long wants nothing
        self.seen: dict = {}                      # session -> monotonic time it was last seen connected
        self.lock = threading.Condition()
        self.jobs: OrderedDict = OrderedDict()    # key -> Job (running, waiting or finished)
        self.waiting: list = []                   # jobs waiting for a slot
        self.running: set = set()                 # jobs holding a slot
        self.served: dict = {}                    # session -> tick it was last served
        self.rates: dict = {}                     # rate_key -> seconds of computing per segment (moving average)
        self.tickets = itertools.count(1)
        self.ticks = itertools.count(1)
        self.stopping = False

    # ------------------------------------------------------------------ submitting
    def submit(self, key: str, compute, session: str | None = None, kind: str = "trace",
               rate_key: str = "") -> Job:
        """The job for `key` (started now if there is none, in a thread of its own); compute(on_segment)
        returns the result. A session wants one job of each kind: its earlier one is let go."""
        session = session if session is not None else f"anonymous-{key}"
        with self.lock:
            replaced = self._let_go(session, kind, keep=key)
            job = self.jobs.get(key)
            if job is not None and not (job.future.done() and job.future.exception() is not None):
                job.wanted_by.add(session)
                self.jobs.move_to_end(key)
                return job
            job = Job(key, next(self.tickets), kind, rate_key)
            job.wanted_by.add(session)
            job.replaced = replaced
            self.jobs[key] = job
            self._evict()
        threading.Thread(target=self._run, args=(job, compute), daemon=True, name=f"infformer-job-{job.ticket}").start()
        return job

    def _let_go(self, session: str, kind: str, keep: str) -> int:
        """Remove `session` from its other unfinished jobs of `kind`; count those left wanted by nobody."""
        dropped = 0
        for job in self.jobs.values():
            if job.key != keep and job.kind == kind and session in job.wanted_by and not job.future.done():
                job.wanted_by.discard(session)
                dropped += not job.wanted_by
        if dropped:
            self.lock.notify_all()  # a waiting job nobody wants leaves the line now
        return dropped

    # ------------------------------------------------------------------ the turns
    def _connected(self, session: str) -> bool:
        """Connected now, or within the grace period (a reload disconnects one session before the next
        one asks for the same trace: the job must survive that second)."""
        now = time.monotonic()
        if self.alive(session):
            self.seen[session] = now
            return True
        return now - self.seen.setdefault(session, now) < self.grace

    def _wanted(self, job: Job) -> bool:
        job.wanted_by = {s for s in job.wanted_by if self._connected(s)}  # a closed tab wants nothing
        return bool(job.wanted_by) and not self.stopping

    def _priority(self, job: Job) -> tuple:
        """Served longest ago first (a session never served: first of all), then the older ticket."""
        return min((self.served.get(s, 0) for s in job.wanted_by), default=0), job.ticket

    def _acquire(self, job: Job) -> None:
        with self.lock:
            self.waiting.append(job)
            try:
                while True:
                    if not self._wanted(job):
                        raise Cancelled
                    if len(self.running) < self.workers and job is min(self.waiting, key=self._priority):
                        break
                    self.lock.wait(0.5)  # woken by a released slot; the timeout notices closed tabs
            finally:
                self.waiting.remove(job)
            self.running.add(job)
            tick = next(self.ticks)
            for s in job.wanted_by:
                self.served[s] = tick
            job.started, job.slot_since = True, time.monotonic()

    def _release(self, job: Job) -> None:
        with self.lock:
            if job in self.running:
                self.running.discard(job)
                job.computing += time.monotonic() - job.slot_since
                job.slot_since = None
                self.lock.notify_all()

    def _on_segment(self, job: Job, done: int, total: int) -> None:
        """After each segment: record progress, and give the slot to a waiting job if there is one."""
        job.done_segments, job.total_segments = done, total
        with self.lock:
            if job.rate_key and done:
                spent = job.computing + time.monotonic() - job.slot_since
                rate = spent / done
                old = self.rates.get(job.rate_key)
                self.rates[job.rate_key] = rate if old is None else 0.8 * old + 0.2 * rate
            others = bool(self.waiting)
            wanted = self._wanted(job)
        if not wanted:
            raise Cancelled
        if others and done < total:
            self._release(job)
            self._acquire(job)

    def _run(self, job: Job, compute) -> None:
        try:
            self._acquire(job)
            result = compute(lambda done, total: self._on_segment(job, done, total))
            job.future.set_result(result)
        except Cancelled as e:
            job.future.set_exception(e)
        except BaseException as e:  # the page shows it; the server goes on
            job.future.set_exception(e)
        finally:
            self._release(job)
            with self.lock:
                if job.future.exception() is not None and isinstance(job.future.exception(), Cancelled) \
                        and self.jobs.get(job.key) is job:
                    del self.jobs[job.key]
                self._evict()

    # ------------------------------------------------------------------ what a page shows
    def ahead_of(self, job: Job) -> int:
        """Jobs that will get a slot before this one (it has not started yet)."""
        with self.lock:
            mine = self._priority(job)
            return sum(1 for j in self.waiting if j is not job and self._priority(j) < mine)

    def sharing(self) -> int:
        """Unfinished jobs (computing or waiting for their turn)."""
        with self.lock:
            return len(self.running) + len(self.waiting)

    def expected_seconds(self, job: Job) -> float | None:
        """Seconds until the job is done, from the measured time per segment of its model, the
        segments left, and how many unfinished jobs share the slots; None before anything was measured."""
        rate = self.rates.get(job.rate_key)
        if rate is None or not job.total_segments:
            return None
        left = max(0, job.total_segments - job.done_segments)
        return left * rate * max(1.0, self.sharing() / self.workers)

    # ------------------------------------------------------------------ memory and shutdown
    def _evict(self) -> None:
        finished = [k for k, j in self.jobs.items() if j.future.done()]
        total = sum(_nbytes(self.jobs[k].future) for k in finished)
        evicted = False
        while finished and (total > MAX_RESULT_BYTES or len(self.jobs) > MAX_RESULTS):
            k = finished.pop(0)
            total -= _nbytes(self.jobs[k].future)
            del self.jobs[k]
            evicted = True
        if evicted:
            release_memory()

    def stop(self) -> None:
        """Stop every job at its next segment (the server is exiting)."""
        with self.lock:
            self.stopping = True
            self.lock.notify_all()

    def cached_bytes(self) -> int:
        with self.lock:
            return sum(_nbytes(j.future) for j in self.jobs.values() if j.future.done())


def _nbytes(future: Future) -> int:
    if future.exception() is not None:
        return 0
    result = future.result()
    size = getattr(result, "nbytes", None)
    return int(size() if callable(size) else size or 0)


def workers() -> int:
    threads = default_threads()
    return max(1, (os.cpu_count() or 2) // threads)


def session_alive(session: str) -> bool:
    """Whether a browser session is still connected (no runtime, as under AppTest: yes)."""
    from streamlit import runtime
    if session.startswith("anonymous-") or not runtime.exists():
        return True
    return runtime.get_instance().is_active_session(session)


def session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


@st.cache_resource(show_spinner=False)
def registry() -> Jobs:
    """One registry per server process, shared by every session."""
    jobs = Jobs(workers(), alive=session_alive)
    atexit.register(jobs.stop)
    return jobs


def submit(key: str, compute, kind: str = "trace", rate_key: str = "") -> Job:
    """Submit for the current session (see `Jobs.submit`)."""
    return registry().submit(key, compute, session=session_id(), kind=kind, rate_key=rate_key)


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"; about {seconds:,.0f} s left" if seconds < 120 else f"; about {seconds / 60:,.0f} min left"


def wait(job: Job, bar, what: str):
    """Draw the job's progress on `bar` until it finishes; return its result (or raise its error).
    If the user leaves the page, Streamlit stops this loop; the job goes on for the session."""
    jobs = registry()
    while not job.future.done():
        others = jobs.sharing() - 1
        share = (f" ({others} other trace{'s' if others != 1 else ''} share{'s' if others == 1 else ''} this server's "
                 f"{jobs.workers} worker{'s' if jobs.workers > 1 else ''} in turn)") if others > 0 else ""
        if not job.started:
            ahead = jobs.ahead_of(job)
            bar.progress(0.0, text=f"Waiting for a turn: {ahead} trace{'s' if ahead != 1 else ''} before this one"
                                   f"{share}…")
        elif job.total_segments:
            bar.progress(min(1.0, job.done_segments / job.total_segments),
                         text=f"{what}: segment {job.done_segments:,} of {job.total_segments:,}{share}"
                              f"{_eta(jobs.expected_seconds(job))}")
        time.sleep(0.1)
    return job.future.result()
