"""The Celery queue on Redis: waiting until it drained, and redelivering what killed workers held.

With `acks_late`, a task a worker had taken but not finished when it was SIGKILLed
stays in the broker's "unacked" set and is delivered again only after the
visibility timeout (an hour by default). The runner waits for the live worker to
drain, then does what that hour would do, at once (`stranded_redeliver`), and
waits again: so every task runs "exactly once in effect" is tested with the
redeliveries included, not an hour later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis
from kombu import Connection
from kombu.exceptions import OperationalError

UNACKED_KEY = "unacked"  # kombu's Redis transport default


@dataclass(frozen=True)
class QueueState:
    waiting: int
    unacked: int
    active: int
    reserved: int

    @property
    def idle(self) -> bool:
        return self.waiting == 0 and self.active == 0 and self.reserved == 0


def _client(broker_url: str) -> redis.Redis:
    return redis.Redis.from_url(broker_url, socket_timeout=5)


def waiting(broker_url: str, queue: str) -> int:
    """Return how many messages wait in the queue (its priority lists included)."""
    client = _client(broker_url)
    # kombu keeps priorities 1-9 of a queue in lists named "<queue>\x06\x16<priority>".
    keys = [queue.encode(), *client.scan_iter(match=f"{queue}\x06\x16*")]
    return sum(int(client.llen(key)) for key in keys)  # type: ignore[arg-type]


def stranded(broker_url: str) -> int:
    """Return how many delivered messages were never acknowledged."""
    return int(_client(broker_url).hlen(UNACKED_KEY))  # type: ignore[arg-type]


def queue_state(broker_url: str, queue: str, node: str) -> QueueState:
    from config.celery import app

    inspector = app.control.inspect(destination=[node], timeout=2.0)
    try:
        active = inspector.active() or {}
        reserved = inspector.reserved() or {}
    except (OSError, redis.RedisError, OperationalError):
        active = reserved = {}
    if node not in active or node not in reserved:
        # The worker did not answer: count it as busy so nobody mistakes silence for a drained queue.
        return QueueState(waiting(broker_url, queue), stranded(broker_url), active=1, reserved=1)
    return QueueState(
        waiting=waiting(broker_url, queue),
        unacked=stranded(broker_url),
        active=len(active[node]),
        reserved=len(reserved[node]),
    )


def wait_drained(broker_url: str, queue: str, node: str, *, timeout: float) -> tuple[bool, float]:
    """Wait until the queue is empty and the worker idle twice in a row; return (drained, seconds)."""
    started = time.monotonic()
    idle_in_a_row = 0
    while time.monotonic() - started < timeout:
        idle_in_a_row = idle_in_a_row + 1 if queue_state(broker_url, queue, node).idle else 0
        if idle_in_a_row >= 2:
            return True, time.monotonic() - started
        time.sleep(1.0)
    return False, time.monotonic() - started


def stranded_redeliver(broker_url: str) -> int:
    """Put every unacknowledged message back in its queue (the visibility timeout, now); return how many.

    Call it only while the live worker is idle: then every unacked message belongs
    to a worker that was killed.
    """
    count = stranded(broker_url)
    if count:
        with Connection(broker_url, transport_options={"visibility_timeout": 0}) as connection:
            connection.default_channel.qos.restore_visible(num=count + 10, interval=1)  # type: ignore[attr-defined]
    return count


def worker_ready(node: str, *, timeout: float) -> bool:
    """Wait until the worker answers a ping (the broker connection may need to heal first)."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if app.control.ping(destination=[node], timeout=1.0):
                return True
        except (OSError, redis.RedisError, OperationalError):
            pass  # a connection from before a Redis restart: the next try opens a new one
        time.sleep(0.3)
    return False
