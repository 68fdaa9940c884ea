"""Publishing the notice task of each committed event from a thread of its own, so that no transition waits on
the broker (issue 15: a hung Redis held every transition for the broker's socket timeout)."""

import atexit
import logging
import os
import queue
import threading
import time

from celery import current_app

log = logging.getLogger(__name__)

# The Celery task that sends an event's notices, by name: the engine sits below notifications and tasks.
NOTICE_TASK = "exemptions.tasks.send_event_notices"


def publish_notice_task(event_id: int) -> None:
    """Put the notice task of one event on the broker. Never raises: the event is safe, and the sweep sends
    the notices of events still unnotified (e.g. when the broker was down)."""
    try:
        current_app.tasks[NOTICE_TASK].delay(event_id)
    except Exception:
        log.warning("Could not queue notices for event %s; the sweep will send them", event_id, exc_info=True)


class NoticePublisher:
    """Publishes notice tasks from a thread of its own, so that no transition waits on the broker: a hung
    Redis (one that accepts connections and never answers) would otherwise hold every request for the
    broker's socket timeout. What it cannot publish (the broker is away, the queue is full, the process
    exits first) the sweep finds unnotified in the database and sends. One thread per process, started on
    first use and again after a fork."""

    def __init__(self, capacity: int = 10_000):
        self.capacity = capacity
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
                threading.Thread(target=self._run, args=(self._queue,), name="notice-publisher", daemon=True).start()
        try:
            self._queue.put_nowait(event_id)
        except queue.Full:
            log.warning("Notice queue full; event %s is left to the sweep", event_id)

    @staticmethod
    def _run(pending: queue.Queue) -> None:
        while True:
            publish_notice_task(pending.get())
            pending.task_done()

    def drain(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for what is queued to be published (at exit); True if it was."""
        deadline = time.monotonic() + timeout
        while self._pid == os.getpid() and self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._queue.unfinished_tasks


notice_publisher = NoticePublisher()
