"""The pod's job queues as a podmin sees them: what waits, what failed for good, and putting a
failed message back on its queue or dropping it.

dramatiq keeps messages differently per broker, so each broker has a small reader here:

* Redis (``RedisBroker``), under the ``redis.namespace`` prefix: ``<ns>:<queue>`` is the list
  of waiting message ids and ``<ns>:<queue>.msgs`` the hash of their data (fetched but not yet
  acknowledged messages stay in the hash); ``<queue>.DQ`` the same for delayed messages
  (retries); ``<ns>:<queue>.XQ`` is the sorted set of dead-lettered ids, scored by when they
  died (in ms), and ``<ns>:<queue>.XQ.msgs`` their data. dramatiq forgets dead letters after
  its ``dead_message_ttl`` (a week by default).
* the in-process ``StubBroker``: a ``queue.Queue`` of encoded messages per queue (and per
  ``.DQ``), and ``dead_letters_by_queue``, message proxies that still hold their exception.

A failed message is named by a key: its Redis hash field, or its message id in-process.
Retrying enqueues it again through the broker, as new, without dramatiq's retry bookkeeping.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dramatiq import Message
from dramatiq.brokers.stub import StubBroker

# dramatiq's own options that describe a past run, dropped when a message is retried.
RUN_OPTIONS = ("retries", "traceback", "requeue_timestamp", "eta", "redis_message_id")
# Failed messages listed per queue; the count covers them all.
SHOWN = 50


@dataclass
class FailedMessage:
    key: str
    queue: str
    actor_name: str
    args: tuple
    kwargs: dict
    enqueued_at: dt.datetime | None
    failed_at: dt.datetime | None
    error: str | None


@dataclass
class QueueState:
    name: str
    pending: int
    failed: int
    messages: list[FailedMessage] = field(default_factory=list)


class QueueError(Exception):
    """The broker can't be read or changed (Redis does not answer); the message says why."""


def _when(millis) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(millis) / 1000, tz=dt.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _error_of(options: dict, exception: BaseException | None = None) -> str | None:
    if exception is not None:
        return f"{exception.__class__.__name__}: {exception}"[:500]
    trace = (options or {}).get("traceback")
    if not trace:
        return None
    lines = [line for line in str(trace).strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else None


def _describe(key: str, queue: str, message: Message, failed_at, exception=None) -> FailedMessage:
    return FailedMessage(key=key, queue=queue, actor_name=message.actor_name, args=tuple(message.args),
                         kwargs=dict(message.kwargs or {}), enqueued_at=_when(message.message_timestamp),
                         failed_at=failed_at, error=_error_of(message.options, exception))


def _fresh(message: Message, queue: str) -> Message:
    """The message as new, on its own queue (not the delay queue), without past runs."""
    options = {k: v for k, v in (message.options or {}).items() if k not in RUN_OPTIONS}
    return Message(queue_name=queue, actor_name=message.actor_name, args=tuple(message.args),
                   kwargs=dict(message.kwargs or {}), options=options, message_id=message.message_id,
                   message_timestamp=message.message_timestamp)


class StubQueues:
    def __init__(self, broker: StubBroker):
        self.broker = broker

    def _letters(self, queue: str) -> list:
        return [*self.broker.dead_letters_by_queue.get(queue, ()),
                *self.broker.dead_letters_by_queue.get(f"{queue}.DQ", ())]

    def state(self, queue: str, shown: int) -> QueueState:
        pending = sum(q.unfinished_tasks for q in (self.broker.queues.get(queue), self.broker.queues.get(f"{queue}.DQ"))
                      if q is not None)
        letters = self._letters(queue)
        messages = [_describe(proxy.message_id, queue, proxy._message,
                              _when(proxy.options.get("requeue_timestamp")), getattr(proxy, "_exception", None))
                    for proxy in reversed(letters[-shown:])]
        return QueueState(queue, pending, len(letters), messages)

    def _take(self, queue: str, key: str | None) -> list:
        taken = []
        for name in (queue, f"{queue}.DQ"):
            letters = self.broker.dead_letters_by_queue.get(name)
            if not letters:
                continue
            for proxy in list(letters):
                if key is None or proxy.message_id == key:
                    letters.remove(proxy)
                    taken.append(proxy)
        return taken

    def retry(self, queue: str, key: str | None) -> int:
        taken = self._take(queue, key)
        for proxy in taken:
            self.broker.enqueue(_fresh(proxy._message, queue))
        return len(taken)

    def drop(self, queue: str, key: str | None) -> int:
        return len(self._take(queue, key))


class RedisQueues:
    def __init__(self, broker):
        self.broker = broker
        self.client = broker.client
        self.prefix = f"{broker.namespace}:"

    def _call(self, fn, *args):
        import redis

        try:
            return fn(*args)
        except redis.RedisError as exc:
            raise QueueError(f"Redis does not answer: {exc}") from None

    def state(self, queue: str, shown: int) -> QueueState:
        return self._call(self._state, queue, shown)

    def _state(self, queue: str, shown: int) -> QueueState:
        key = self.prefix + queue
        pipe = self.client.pipeline(transaction=False)
        pipe.hlen(f"{key}.msgs")
        pipe.hlen(f"{key}.DQ.msgs")
        pipe.zcard(f"{key}.XQ")
        pipe.zrevrange(f"{key}.XQ", 0, shown - 1, withscores=True)
        waiting, delayed, failed, newest = pipe.execute()
        messages = []
        if newest:
            datas = self.client.hmget(f"{key}.XQ.msgs", [member for member, _score in newest])
            for (member, score), data in zip(newest, datas):
                if data is None:
                    continue
                message = Message.decode(data)
                messages.append(_describe(member.decode() if isinstance(member, bytes) else member, queue, message,
                                          _when(score)))
        return QueueState(queue, waiting + delayed, failed, messages)

    def _take(self, queue: str, key: str | None) -> list[Message]:
        xq = f"{self.prefix}{queue}.XQ"
        members = [key] if key is not None else [m.decode() if isinstance(m, bytes) else m
                                                 for m in self.client.zrange(xq, 0, -1)]
        taken = []
        for member in members:
            data = self.client.hget(f"{xq}.msgs", member)
            # Whoever removes the id from the set owns the message: two admins never both retry it.
            if self.client.zrem(xq, member) != 1:
                continue
            self.client.hdel(f"{xq}.msgs", member)
            if data is not None:
                taken.append(Message.decode(data))
        return taken

    def retry(self, queue: str, key: str | None) -> int:
        def run():
            taken = self._take(queue, key)
            for message in taken:
                self.broker.enqueue(_fresh(message, queue))
            return len(taken)

        return self._call(run)

    def drop(self, queue: str, key: str | None) -> int:
        return self._call(lambda: len(self._take(queue, key)))


def reader(registry):
    """The reader for the pod's broker."""
    if isinstance(registry.broker, StubBroker):
        return StubQueues(registry.broker)
    return RedisQueues(registry.broker)


def queue_states(registry, shown: int = SHOWN) -> list[QueueState]:
    """Every queue of the pod's jobs, by name: waiting and failed messages, the newest failed
    ones described. QueueError when the broker can't be read."""
    queues = reader(registry)
    return [queues.state(name, shown) for name in sorted(registry.queues)]


def retry_failed(registry, queue: str, key: str | None = None) -> int:
    """Put the failed message ``key`` (every failed one when None) back on ``queue``; how many."""
    return reader(registry).retry(queue, key)


def drop_failed(registry, queue: str, key: str | None = None) -> int:
    """Forget the failed message ``key`` (every failed one when None) of ``queue``; how many."""
    return reader(registry).drop(queue, key)
