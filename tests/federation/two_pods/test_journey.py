"""Two pods, two processes: people on each share, post, comment, like, delete and write to each other.

Alice is on pod A; Bob and Carol are on pod B. Alice finds Bob by his full diaspora ID and puts
him in an aspect; Bob is told and shares back. Alice posts to that aspect, and publicly with a
photo; Bob sees both, comments and likes, and Alice sees that. Carol, who is in no aspect of
Alice's, sees the public post only: not the limited one in any stream, at its address or through
/fetch. Alice deletes the public post and it is gone on pod B. Alice and Bob exchange a private
message each way. Everything travels between the pods' processes over HTTP, through their jobs,
so every check waits for its page to change.
"""
from __future__ import annotations

import requests

from ..processes import wait_until
from ..steps import (comment, comments_on, compose, create_aspect, form_posting_to, like, likers_of, notifications,
                     png, posts_on, put_in_aspect, search_result_link, status_of, text_of)

LIMITED = "Only for the garden club: the tomatoes are ripe"
PUBLIC = "Everyone may know: the sunflowers are up"
LIMITED_COMMENT = "Save me some tomatoes, please"
PUBLIC_COMMENT = "Lovely sunflowers"
SUBJECT = "Seeds"
FIRST_MESSAGE = "Shall I bring you some seeds on Sunday?"
REPLY = "Yes please, the tall ones"


# --- the journey ------------------------------------------------------------------------

def test_two_pods_federate_a_whole_social_journey(two_pods):
    a, b = two_pods
    alice = a.sign_up("alice")
    bob = b.sign_up("bob")
    carol = b.sign_up("carol")
    [(alice_guid,)] = a.sql("SELECT guid FROM people WHERE diaspora_id = :d", d=alice.diaspora_id)
    [(bob_guid,)] = b.sql("SELECT guid FROM people WHERE diaspora_id = :d", d=bob.diaspora_id)

    # Alice finds Bob on pod B by his full diaspora ID: pod A looks him up over WebFinger/hCard.
    found = wait_until(lambda: search_result_link(alice, bob.diaspora_id), 30,
                       what=f"a search on pod A for {bob.diaspora_id} to find him")
    assert found.rstrip("/").endswith(f"/people/{bob_guid}"), found
    create_aspect(alice, "Garden club")
    put_in_aspect(alice, f"/people/{bob_guid}", "Garden club")

    # Bob is told, on his own pod, that Alice started sharing with him; he shares back.
    wait_until(lambda: "alice started sharing with you" in notifications(bob), 30,
               what="bob's started-sharing notification on pod B")
    put_in_aspect(bob, f"/people/{alice_guid}", "Friends")
    wait_until(lambda: "bob started sharing with you" in notifications(alice), 30,
               what="alice's started-sharing notification on pod A")

    # Alice posts to the aspect, and publicly with a photo.
    limited = compose(alice, LIMITED, "aspects", aspects={"Garden club"})
    public = compose(alice, PUBLIC, "public", photo=png(), alt="Sunflowers by the fence")

    # Bob sees both on pod B, the photo served from pod A.
    wait_until(lambda: {limited, public} <= set(posts_on(bob, "/stream")), 30,
               what="both posts in bob's stream on pod B")
    shown = posts_on(bob, "/stream")
    assert LIMITED in shown[limited] and PUBLIC in shown[public]
    photo = bob.get(f"/posts/{public}").html.select_one('img[alt="Sunflowers by the fence"]')
    assert photo is not None and photo["src"].startswith(a.url + "/"), photo
    served = requests.get(photo["src"], timeout=10)  # what Bob's browser loads, from pod A
    assert served.status_code == 200 and served.headers["Content-Type"].startswith("image/")
    assert LIMITED in text_of(bob, f"/posts/{limited}")

    # Bob comments on and likes both; Alice sees it on pod A.
    comment(bob, limited, LIMITED_COMMENT)
    comment(bob, public, PUBLIC_COMMENT)
    like(bob, limited)
    like(bob, public)
    wait_until(lambda: any(LIMITED_COMMENT in c for c in comments_on(alice, limited)), 30,
               what="bob's comment on the limited post on pod A")
    wait_until(lambda: any(PUBLIC_COMMENT in c for c in comments_on(alice, public)), 30,
               what="bob's comment on the public post on pod A")
    wait_until(lambda: "bob" in likers_of(alice, limited) and "bob" in likers_of(alice, public), 30,
               what="bob's likes on pod A")
    assert any("bob" in c for c in comments_on(alice, limited))  # with its author's name
    wait_until(lambda: "bob commented on your post" in notifications(alice), 30,
               what="alice's comment notification")

    # Carol, on Bob's pod but in no aspect of Alice's, sees the public post only.
    wait_until(lambda: public in posts_on(carol, "/public"), 30, what="the public post on carol's /public")
    assert PUBLIC in text_of(carol, f"/posts/{public}")
    for path in ("/stream", "/public", "/activity", "/aspects", f"/people/{alice_guid}", f"/people/{bob_guid}"):
        seen = text_of(carol, path)
        assert LIMITED not in seen and LIMITED_COMMENT not in seen, path
        assert limited not in posts_on(carol, path), path
    assert status_of(carol, f"/posts/{limited}") == 404
    assert LIMITED not in carol.get(f"/posts/{limited}", status="*").text
    for pod in (a, b):  # fetch never hands out a limited post, whoever asks, on either pod
        for kind in ("post", "status_message"):
            response = pod.browser().get(f"/fetch/{kind}/{limited}", status="*")
            assert response.status_int == 404, (pod.name, kind, response.status)
            assert LIMITED.encode() not in response.body
    assert b.browser().get(f"/fetch/post/{public}", status="*").status_int in (200, 302)

    # Alice deletes the public post: it disappears on pod B, for Bob and for Carol.
    assert form_posting_to(alice.get(f"/posts/{public}"), f"/posts/{public}/delete").submit(
        status="*").status_int == 303
    wait_until(lambda: status_of(carol, f"/posts/{public}") == 404, 30, what="the deleted post gone on pod B")
    assert public not in posts_on(bob, "/stream") and public not in posts_on(carol, "/public")
    assert b.sql("SELECT count(*) FROM posts WHERE guid = :g", g=public) == [(0,)]
    assert limited in posts_on(bob, "/stream")  # the other one stays

    # Alice and Bob write to each other privately, each way.
    page = alice.get("/conversations/new")
    offered = [box["value"] for box in page.html.select('input[name="person"]')]
    assert bob_guid in offered, f"bob is not offered as a recipient on pod A: {offered}"
    token = page.html.select_one('input[name="csrf_token"]')["value"]
    started = alice.post("/conversations", [("csrf_token", token), ("subject", SUBJECT), ("text", FIRST_MESSAGE),
                                            ("person", bob_guid)], status="*")
    assert started.status_int == 303, started.status
    [(conversation,)] = a.sql("SELECT guid FROM conversations")
    wait_until(lambda: SUBJECT in text_of(bob, "/conversations"), 30, what="the conversation on pod B")
    assert FIRST_MESSAGE in text_of(bob, f"/conversations/{conversation}")
    token = bob.get(f"/conversations/{conversation}").html.select_one('input[name="csrf_token"]')["value"]
    assert bob.post(f"/conversations/{conversation}/messages", {"csrf_token": token, "text": REPLY},
                    status="*").status_int == 303
    wait_until(lambda: REPLY in text_of(alice, f"/conversations/{conversation}"), 30,
               what="bob's reply on pod A")
    assert FIRST_MESSAGE in text_of(alice, f"/conversations/{conversation}")

    # Carol was never part of any of it.
    assert SUBJECT not in text_of(carol, "/conversations")
    assert status_of(carol, f"/conversations/{conversation}") == 404
