import sqlalchemy as sa

from core.accounts.models import User
from core.posts.models import Mention, Post, Tag, Tagging
from core.notifications.models import Notification
from core.posts.rendering import extract_mentions, extract_tags, render_text


def test_markdown_is_sanitised_and_urls_become_links():
    html = render_text("<script>alert(1)</script> [x](javascript:alert(1)) see https://example.org/a")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "href=\"javascript" not in html
    assert '<a href="https://example.org/a" rel="noopener noreferrer nofollow">https://example.org/a</a>' in html


def test_tags_become_links_but_not_in_code_or_links():
    html = render_text("#Cats and `#code` and [#linked](https://x.org) and a#b and https://x.org/#frag")
    assert '<a class="tag" href="/tags/cats">#Cats</a>' in html
    assert "<code>#code</code>" in html
    assert "/tags/code" not in html and "/tags/linked" not in html and "/tags/b" not in html
    assert "/tags/frag" not in html


def test_extract_tags_lower_case_unicode_and_dashes():
    assert extract_tags("#Cats #über-cool- #NSFW `#notme` word#no") == {"cats", "über-cool", "nsfw"}


def test_extract_mentions():
    text = "hi @{Bob Smith; Bob@pod.test} and @{carol@other.org} and again @{Bob; bob@pod.test}"
    assert extract_mentions(text) == ["bob@pod.test", "carol@other.org"]


def test_unknown_mention_is_plain_text_name():
    html = render_text("hi @{Some_Body; nobody@nowhere.org}")
    assert '<span class="mention">Some_Body</span>' in html
    assert "<a" not in html and "<em>" not in html


def test_mentions_link_to_known_people_and_are_recorded(person, share, post_as, pod):
    alice, bob = person("alice"), person("bob")
    guid = post_as(alice, "Hey @{Robert; bob@pod.test} and @{X; ghost@else.org} #Cats #cats", visibility="public")
    page = bob.get(f"/posts/{guid}")
    with pod.session_factory() as session:
        bob_person = session.scalar(sa.select(User).where(User.username == "bob")).person
        assert f'<a class="mention" href="/people/{bob_person.guid}">bob</a>' in page.text
        post = session.scalar(sa.select(Post).where(Post.guid == guid))
        assert [m.person_id for m in session.scalars(sa.select(Mention))] == [bob_person.id]
        note = session.scalar(sa.select(Notification))
        assert (note.kind, note.target_type, note.target_id) == ("mentioned", "Post", post.id)
        assert note.recipient_id == bob_person.user_id
        assert [t.name for t in session.scalars(sa.select(Tag))] == ["cats"]
        assert session.scalar(sa.select(sa.func.count()).select_from(Tagging)) == 1
        assert not post.nsfw
    assert '<a class="tag" href="/tags/cats">#Cats</a>' in page.text


def test_limited_post_mentions_only_people_who_can_see_it(person, share, post_as, pod):
    alice = person("alice")
    person("bob"), person("carol")
    friends = share("alice", "bob")
    post_as(alice, "@{bob@pod.test} and @{carol@pod.test}", visibility="aspects", aspect_ids=[friends])
    with pod.session_factory() as session:
        mentioned = {m.person_id for m in session.scalars(sa.select(Mention))}
        bob = session.scalar(sa.select(User).where(User.username == "bob"))
        assert mentioned == {bob.person.id}
        assert [n.recipient_id for n in session.scalars(sa.select(Notification))] == [bob.id]


def test_nsfw_posts_are_flagged_and_collapsed(person, post_as, pod):
    alice = person("alice")
    guid = post_as(alice, "spicy #NSFW")
    with pod.session_factory() as session:
        assert session.scalar(sa.select(Post.nsfw).where(Post.guid == guid)) is True
    page = alice.get(f"/posts/{guid}")
    shield = page.html.find("details", class_="nsfw-shield")
    assert shield is not None and "NSFW: show" in shield.text and "spicy" in shield.text
    plain = post_as(alice, "mild")
    assert alice.get(f"/posts/{plain}").html.find("details", class_="nsfw-shield") is None
