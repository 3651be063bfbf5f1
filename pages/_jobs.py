"""Long computations (traces, replies) as shared background jobs, one per key, for every session.

Why not `st.cache_data` alone: a computation that runs in a page's script thread dies when the
user clicks another page (Streamlit stops the script), so the reading restarted from zero each
time. Here a job runs in a process-wide thread pool; a page only *waits* for it (drawing its
progress), and a page change stops the waiting, never the job. The registry is keyed by what
defines the result (model, settings, text, query), so students who trace the same example share
one computation, and finished results stay in a byte-bounded LRU.

The pool has one worker per `THREADS` torch threads the machine can give (two on two cores at
one thread each), so several long traces queue instead of fighting for the cores, and a page
says how many traces are ahead of its own.
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

from infformer.core.settings import default_threads

MAX_RESULT_BYTES = 4 * 1024 ** 3   # finished results kept (LRU); a 50,000-token trace is about 60 MB
MAX_RESULTS = 64


class Job:
    """One computation: its future, progress (segments done of total) and queue position."""

    def __init__(self, key: str, ticket: int):
        self.key, self.ticket = key, ticket
        self.future: Future | None = None
        self.done_segments, self.total_segments = 0, 0
        self.started = False

    def on_segment(self, done: int, total: int) -> None:
        self.done_segments, self.total_segments = done, total


class Jobs:
    def __init__(self, workers: int):
        self.workers = workers
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="infformer-job")
        self.lock = threading.Lock()
        self.jobs: OrderedDict = OrderedDict()   # key -> Job (running, queued or finished)
        self.tickets = 0

    def submit(self, key: str, compute) -> Job:
        """The job for `key`, started now if there is none; compute(on_segment) returns the result."""
        with self.lock:
            job = self.jobs.get(key)
            if job is not None and not (job.future.done() and job.future.exception() is not None):
                self.jobs.move_to_end(key)
                return job
            self.tickets += 1
            job = Job(key, self.tickets)

            def run():
                job.started = True
                return compute(job.on_segment)

            job.future = self.pool.submit(run)
            self.jobs[key] = job
            self._evict()
            return job

    def ahead_of(self, job: Job) -> int:
        """Jobs submitted earlier that have not started yet (the queue before this one)."""
        with self.lock:
            return sum(1 for j in self.jobs.values() if j.ticket < job.ticket and not j.started)

    def _evict(self) -> None:
        finished = [k for k, j in self.jobs.items() if j.future.done()]
        total = sum(_nbytes(self.jobs[k].future) for k in finished)
        while finished and (total > MAX_RESULT_BYTES or len(self.jobs) > MAX_RESULTS):
            k = finished.pop(0)
            total -= _nbytes(self.jobs[k].future)
            del self.jobs[k]


def _nbytes(future: Future) -> int:
    if future.exception() is not None:
        return 0
    result = future.result()
    size = getattr(result, "nbytes", None)
    return int(size() if callable(size) else size or 0)


def workers() -> int:
    threads = default_threads()
    return max(1, (os.cpu_count() or 2) // threads)


@st.cache_resource(show_spinner=False)
def registry() -> Jobs:
    """One registry per server process, shared by every session."""
    return Jobs(workers())


def wait(job: Job, bar, what: str):
    """Draw the job's progress on `bar` until it finishes; return its result (or raise its error).
    If the user leaves the page, Streamlit stops this loop; the job goes on."""
    jobs = registry()
    while not job.future.done():
        if not job.started:
            ahead = jobs.ahead_of(job)
            bar.progress(0.0, text=f"Waiting: {ahead + 1} other trace{'s' if ahead else ''} "
                                   f"{'are' if ahead else 'is'} being computed first (this server runs "
                                   f"{jobs.workers} at a time)…")
        elif job.total_segments:
            bar.progress(min(1.0, job.done_segments / job.total_segments),
                         text=f"{what}: segment {job.done_segments:,} of {job.total_segments:,}")
        time.sleep(0.1)
    return job.future.result()
