"""A peer that is away for an hour gets everything once it is back: in order, once each.

Pod A runs in its own process; the peer is the test's fake diaspora* pod, which Alice shares
with. While the peer refuses connections Alice posts four times (public and limited, mixed);
pod A fails, marks the peer down and stops trying. The hour is simulated by making the health
check due, as it would be by then; the check finds the peer answering and every delivery
goes out, oldest first, none twice.
"""
from __future__ import annotations

from ..processes import wait_until
from ..steps import compose, put_in_aspect, search_result_link


def test_a_peer_down_for_an_hour_gets_every_delivery_in_order_once(start_pod, fake_peer):
    a = start_pod("a", federation__pod_down_after="2")
    alice = a.sign_up("alice")
    peer = fake_peer.person
    link = wait_until(lambda: search_result_link(alice, peer.handle), 30, what="pod A to find the peer's person")
    put_in_aspect(alice, link, "Friends")
    wait_until(lambda: any(e.type == "contact" for e in fake_peer.entities()), 30,
               what="the contact entity at the peer")

    fake_peer.stop()  # connections refused from now on
    posts = []
    for number, visibility in enumerate(("public", "aspects", "public", "public"), 1):
        posts.append(compose(alice, f"Written while the peer is away, number {number}", visibility,
                             aspects={"Friends"} if visibility == "aspects" else ()))

    def marked_down():
        # A post sent while another send to the peer is under way waits for the sweep: run it now.
        a.run_periodic_now("sweep_deliveries")
        return a.sql("SELECT status FROM pods WHERE host = :h", h=fake_peer.host) == [("down",)]

    wait_until(marked_down, 30, interval=1, what="pod A to mark the peer down after two failures")
    rows = lambda: a.sql("SELECT entity_guid, state FROM deliveries WHERE entity_type = 'status_message' "  # noqa: E731
                         "ORDER BY id")
    wait_until(lambda: len(rows()) == 4, 30, what="a delivery row per post")
    assert {state for _, state in rows()} == {"pending"}, rows()
    [(pod_id, failures, last_error)] = a.sql("SELECT id, failures, last_error FROM pods WHERE host = :h",
                                             h=fake_peer.host)
    assert failures >= 2 and last_error, (failures, last_error)

    # The podmin sees it on the pods page: the peer down with its error, the posts waiting.
    a.seedpod("roles", "add", "admin", "alice")
    page = alice.get("/admin/pods")
    row = " ".join(page.html.select_one(f'[data-testid="pod-{pod_id}"]').text.split())
    assert fake_peer.host in row and "down" in row, row
    waiting = " ".join(page.html.select_one('[data-testid="pending-deliveries"]').text.split())
    assert waiting.count("status_message") == 4, waiting

    # An hour later the peer is back; the health check that is due by then finds it.
    fake_peer.start()
    a.sql("UPDATE pods SET next_check_at = :t WHERE host = :h", t="2000-01-01 00:00:00", h=fake_peer.host)
    a.run_periodic_now("check_down_pods")
    wait_until(lambda: {state for _, state in rows()} == {"done"}, 60, what="every delivery to be done")

    arrived = [e.guid for e in fake_peer.entities() if e.type == "status_message"]
    assert arrived == posts, "the peer got the posts out of order or more than once"
    assert all(item.answered == 202 for item in fake_peer.received)
    assert a.sql("SELECT status, failures FROM pods WHERE host = :h", h=fake_peer.host) == [("up", 0)]
    routes = {e.guid: e.route for e in fake_peer.entities() if e.type == "status_message"}
    assert routes[posts[1]] == "private" and routes[posts[0]] == "public"
