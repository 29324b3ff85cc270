"""The two-pod fixture itself: two processes, two databases, people signed up on each."""
from __future__ import annotations


def test_two_pods_run_apart_with_their_own_people(two_pods):
    a, b = two_pods
    assert a.port != b.port and a.database_url != b.database_url
    alice = a.sign_up("alice")
    bob = b.sign_up("bob")
    assert "Sign out (alice)" in alice.get("/stream").text
    assert "Sign out (bob)" in bob.get("/stream").text
    assert a.sql("SELECT diaspora_id FROM people") == [(f"alice@{a.host}",)]
    assert b.sql("SELECT diaspora_id FROM people") == [(f"bob@{b.host}",)]
    # Signing in again works over real HTTP, cookies and CSRF included.
    assert "Sign out (alice)" in a.sign_in("alice").get("/stream").text
