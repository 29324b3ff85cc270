"""Two payloads from a sender the pod has never seen, arriving at once, are both applied.

Each inbox job looks the unknown sender up (WebFinger, hCard) and records the person and
their pod; two jobs doing it at the same moment must end with one person and one pod row,
and both payloads applied, not with one of them failing and waiting for the next retry.
Pod A runs in its own process with two job threads, as the embedded default does.
"""
from __future__ import annotations

import threading

import requests

from ..fake_peer import signed_status_message
from ..processes import wait_until


def test_two_payloads_from_a_new_sender_at_once_are_both_applied(start_pod, fake_peer):
    a = start_pod("a")
    a.sign_up("alice")
    peer = fake_peer.person
    fake_peer.discovery_delay = 0.5  # both jobs are still looking the sender up when the other starts
    sent = [signed_status_message(peer, f"First contact, part {n}") for n in (1, 2)]
    answers = []

    def send(body):
        answers.append(requests.post(a.url + "/receive/public", data=body, timeout=10,
                                     headers={"Content-Type": "application/magic-envelope+xml"}).status_code)

    threads = [threading.Thread(target=send, args=(body,)) for _, body in sent]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [202, 202]

    stored = lambda: sorted(guid for (guid,) in a.sql("SELECT guid FROM posts"))  # noqa: E731
    wait_until(lambda: stored() == sorted(guid for guid, _ in sent), 20,
               what="both posts to be applied without waiting for a retry")
    assert a.sql("SELECT count(*) FROM people WHERE diaspora_id = :d", d=peer.handle) == [(1,)]
    assert a.sql("SELECT count(*) FROM pods WHERE host = :h", h=fake_peer.host) == [(1,)]
    assert a.sql("SELECT state, reason FROM inbox_items") == [("done", None), ("done", None)]
