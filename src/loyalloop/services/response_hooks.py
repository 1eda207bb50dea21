"""The case worker of a web process: case rules and detractor triggers off the request path.

A survey submission is acknowledged once its response is committed; what the response sets
off — the case rules (a detractor becomes a case, issue 13) and detractor-triggered campaigns
(issue 14) — runs in this worker thread, a few milliseconds later, on batches of responses.
The request no longer pays for a second transaction (it had doubled the median latency of a
detractor's submission under load) and a burst of answers is evaluated in a few transactions
instead of one each.

Nothing is lost when the process stops before the worker gets to a response: the outbox is the
response row itself. A response waits for the rules while ``responses.rules_revision <
revision`` (an edited answer waits again); the worker and the scheduler's sweep
(:func:`loyalloop.services.cases.sweep_responses`, every tick) evaluate waiting responses and
move the mark. A response evaluated twice (the worker and the sweep at once, several worker
processes, a crash between the rules' commit and the mark) still makes one case: its signal is
attached once (a unique signal id).

The worker thread does not stop on a bad response: the case rules set it apart (logged with
the reason, left waiting for the sweep) and evaluate the rest of the batch; an error of a whole
batch (the store away) is logged and the worker goes on with the next one.

Detractor triggers are evaluated on the worker's batches only; an answer it did not reach is
in the warehouse's ``feedback`` after the next sync and the after-run evaluation sees it
(:mod:`loyalloop.services.campaign_triggers`).
"""

from __future__ import annotations

import logging
import queue
import threading

from sqlalchemy.exc import SQLAlchemyError

from loyalloop.errors import LoyalloopError
from loyalloop.services.store import Store

__all__ = ["ResponseHooks"]

log = logging.getLogger(__name__)

#: What a batch's evaluation can raise that is about the data or the store, not a defect of
#: the worker: logged, the batch's responses wait for the sweep, the worker goes on.
_BATCH_ERRORS = (LoyalloopError, SQLAlchemyError, OSError, ValueError, TypeError, LookupError)


#: Not a response id: put on the queue by :meth:`ResponseHooks.close` to wake the thread, which
#: then ends at once instead of after its ``idle`` wait.
_WAKE = -1


class ResponseHooks:
    """A queue of committed responses and the thread that evaluates them in batches.

    The thread starts with the first response queued and ends after ``idle`` seconds without
    one (a web process that takes no answers holds no thread). Closing the store (or the
    app's shutdown) closes the worker first: what is queued is evaluated, then no more, and
    the thread ends without waiting out its ``idle`` seconds.

    Parameters
    ----------
    store
        The operational store.
    batch
        Responses evaluated together at most.
    idle
        Seconds the thread waits for more responses before it ends.
    """

    def __init__(self, store: Store, *, batch: int = 500, idle: float = 2.0) -> None:
        self.store = store
        self.batch = batch
        self.idle = idle
        self.batches = 0
        self._queue: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._waiting = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        store.on_close.append(self.close)

    def submitted(self, response_id: int) -> None:
        """Queue a committed response (returns at once). Once closed, take nothing: the
        response waits in the store for the sweep (counting it as queued made a later
        :meth:`close`, e.g. the store's, wait out its whole ``timeout`` for it)."""
        with self._lock:
            if self._closed:
                return
            self._queue.put(response_id)
            self._waiting += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="loyalloop-case-worker", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        try:
            self._loop()
        finally:  # also when an unexpected error ends the thread: the next answer starts one
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    def _loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle)
            except queue.Empty:
                with self._lock:  # decided under the lock that submitted() takes
                    if self._queue.empty() or self._closed:
                        self._thread = None
                        return
                continue
            if first == _WAKE:
                with self._lock:
                    if self._closed:
                        self._thread = None
                        return
                continue
            ids = [first]
            while len(ids) < self.batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more == _WAKE:  # read again first thing after this batch
                    self._queue.put(_WAKE)
                    break
                ids.append(more)
            try:
                self.evaluate(ids)
            except _BATCH_ERRORS:
                log.exception("case worker: a batch of %d responses failed", len(ids))
            finally:
                with self._lock:
                    self._waiting -= len(ids)
                    self._done.notify_all()

    def evaluate(self, ids: list[int]) -> None:
        """The case rules, then the detractor triggers, on committed responses ``ids``.

        A failure is logged; the scheduler's sweep evaluates the responses again (the case
        rules) and the after-run evaluation sees the answers (the triggers).
        """
        from loyalloop.services.campaign_triggers import triggers_from_responses
        from loyalloop.services.cases import cases_from_responses

        self.batches += 1
        try:
            cases_from_responses(self.store, ids)
        except _BATCH_ERRORS:
            log.exception("case rules on %d responses failed; the next sweep retries", len(ids))
        try:
            triggers_from_responses(self.store, ids)
        except _BATCH_ERRORS:
            log.exception("campaign triggers on %d responses failed", len(ids))

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every queued response was evaluated; ``False`` after ``timeout`` s."""
        with self._lock:
            return self._done.wait_for(lambda: self._waiting == 0, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Evaluate what is queued (up to ``timeout`` s), then take no more; what is left
        waits in the store for the sweep."""
        if not self.wait_idle(timeout):
            log.warning("case worker: %d responses left to the sweep", self._waiting)
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_WAKE)
            thread.join(self.idle + 1)
