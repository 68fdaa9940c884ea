"""Publishing the notice task of each committed event from a thread of its own, so that no transition waits on
the broker (issue 15: a hung Redis held every transition for the broker's socket timeout).

Events committed within BATCH_WINDOW of each other go to the broker as one task naming them all: queueing a
Celery task costs about half a millisecond of CPU, as much as the rest of a transition's own Python work, and
the thread that pays it shares the interpreter with the requests (issue 22)."""

import atexit
import logging
import os
import queue
import threading
import time

from celery import current_app

log = logging.getLogger(__name__)

# The Celery task that sends events' notices, by name: the engine sits below notifications and tasks.
NOTICE_TASK = "exemptions.tasks.send_event_notices"
BATCH_WINDOW = 0.05  # seconds a published batch waits for more events after its first
BATCH_MAX = 500  # events named by one task at most


def publish_notice_task(*event_ids: int) -> None:
    """Put the notice task of these events on the broker. Never raises: the events are safe, and the sweep
    sends the notices of events still unnotified (e.g. when the broker was down)."""
    try:
        current_app.tasks[NOTICE_TASK].delay(*event_ids)
    except Exception:
        log.warning("Could not queue notices for events %s; the sweep will send them", event_ids, exc_info=True)


class NoticePublisher:
    """Publishes notice tasks from a thread of its own, so that no transition waits on the broker: a hung
    Redis (one that accepts connections and never answers) would otherwise hold every request for the
    broker's socket timeout. What it cannot publish (the broker is away, the queue is full, the process
    exits first) the sweep finds unnotified in the database and sends. One thread per process, started on
    first use and again after a fork."""

    def __init__(self, capacity: int = 10_000, window: float = BATCH_WINDOW):
        self.capacity = capacity
        self.window = window
        self._lock = threading.Lock()
        self._pid = None
        self._queue: queue.Queue = queue.Queue()
        atexit.register(self.drain, 2.0)

    def put(self, event_id: int) -> None:
        if current_app.conf.task_always_eager:  # tasks run in-process anyway (tests, a dev box)
            publish_notice_task(event_id)
            return
        with self._lock:
            if self._pid != os.getpid():
                self._pid, self._queue = os.getpid(), queue.Queue(self.capacity)
                threading.Thread(
                    target=self._run, args=(self._queue, self.window), name="notice-publisher", daemon=True
                ).start()
        try:
            self._queue.put_nowait(event_id)
        except queue.Full:
            log.warning("Notice queue full; event %s is left to the sweep", event_id)

    @staticmethod
    def _run(pending: queue.Queue, window: float) -> None:
        while True:
            batch = next_batch(pending, window)
            publish_notice_task(*batch)
            for _ in batch:
                pending.task_done()

    def drain(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for what is queued to be published (at exit); True if it was."""
        deadline = time.monotonic() + timeout
        while self._pid == os.getpid() and self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._queue.unfinished_tasks


def next_batch(pending: queue.Queue, window: float, limit: int = BATCH_MAX) -> list[int]:
    """The next event to publish (waiting for it) and those that follow it within `window` seconds."""
    batch = [pending.get()]
    closes = time.monotonic() + window
    while len(batch) < limit:
        left = closes - time.monotonic()
        if left <= 0:
            break
        try:
            batch.append(pending.get(timeout=left))
        except queue.Empty:
            break
    return batch


notice_publisher = NoticePublisher()
