"""Killing a worker in the middle of a delivery loses nothing.

Pod A runs as production does: `seedpod serve` plus a separate `seedpod worker`, with Redis.
The peer (the test's fake diaspora* pod) takes the POST of Alice's post and never answers;
the worker is killed with SIGKILL while it waits. Once the claim is stale, as it is five
minutes later, the sweep hands the delivery to a new worker, and the peer acknowledges the
post exactly once.
"""
from __future__ import annotations

import signal

from ..processes import stop_process, wait_until
from ..steps import compose, put_in_aspect, search_result_link


def test_a_worker_killed_mid_delivery_loses_nothing(start_pod, fake_peer, redis_url, redis_namespace):
    a = start_pod("a", redis__url=redis_url, redis__namespace=redis_namespace)
    worker = a.spawn("worker", "--threads", "1")
    alice = a.sign_up("alice")
    peer = fake_peer.person
    link = wait_until(lambda: search_result_link(alice, peer.handle), 30, what="pod A to find the peer's person")
    put_in_aspect(alice, link, "Friends")
    wait_until(lambda: any(e.type == "contact" for e in fake_peer.entities()), 30,
               what="the worker to deliver the contact entity")
    wait_until(lambda: a.sql("SELECT count(*) FROM deliveries WHERE state <> 'done'") == [(0,)], 30,
               what="everything sent so far to be delivered")

    fake_peer.mode = "hold"
    guid = compose(alice, "Sent by a worker that dies", "public")
    arrivals = lambda: [e for e in fake_peer.entities(answered_only=False) if e.guid == guid]  # noqa: E731
    acknowledged = lambda: [e for e in arrivals() if e.answered == 202]  # noqa: E731
    wait_until(arrivals, 30, what="the post's POST to reach the peer")
    assert a.sql("SELECT state FROM deliveries WHERE entity_guid = :g", g=guid) == [("sending",)]
    assert stop_process(worker, signal.SIGKILL) == -signal.SIGKILL
    fake_peer.mode = "ok"
    fake_peer.release.set()  # the held request ends without an answer: nothing was acknowledged
    assert acknowledged() == []

    # Five minutes on, the claim of the dead worker is stale and its lease on the peer is over.
    a.sql("UPDATE deliveries SET claimed_at = :t WHERE state = 'sending'", t="2000-01-01 00:00:00")
    a.sql("UPDATE pods SET lease_until = NULL WHERE host = :h", h=fake_peer.host)
    a.spawn("worker", "--threads", "1")
    a.run_periodic_now("sweep_deliveries")
    wait_until(acknowledged, 60, what="the delivery to be re-sent by the new worker")
    wait_until(lambda: a.sql("SELECT state FROM deliveries WHERE entity_guid = :g", g=guid) == [("done",)], 30,
               what="the delivery row to be done")
    assert len(acknowledged()) == 1
