import pytest

from core.http import RequestFailed
from core.importers import ImportedPost, ImportSource, SourceError
from plugins.tumblr_import import hooks
from plugins.tumblr_import.api import blog_identifier, check_blog, read_posts

from .samples import samples


def many_posts(count: int):
    """``count`` text posts, newest first, in both formats."""
    pairs = []
    for number in range(count, 0, -1):
        legacy = {"id": number, "id_string": str(number), "type": "text", "timestamp": 1_600_000_000 + number,
                  "tags": [], "body": f"<p>Post {number}</p>", "blog_name": "busy"}
        npf = {"id": number, "id_string": str(number), "type": "blocks", "timestamp": 1_600_000_000 + number,
               "tags": [], "content": [{"type": "text", "text": f"Post {number}"}], "layout": [], "trail": []}
        pairs.append((legacy, npf))
    return pairs


@pytest.mark.parametrize("value, expected", [
    ("staff", "staff"),
    ("  Staff ", "staff"),
    ("staff.tumblr.com", "staff"),
    ("https://staff.tumblr.com/", "staff"),
    ("https://staff.tumblr.com/post/123/some-slug", "staff"),
    ("staff.tumblr.com/tagged/news", "staff"),
    ("https://www.tumblr.com/staff", "staff"),
    ("https://www.tumblr.com/blog/view/staff", "staff"),
    ("http://blog.example.org/post/1", "blog.example.org"),
    ("blog.example.org", "blog.example.org"),
    ("my-blog", "my-blog"),
])
def test_blog_identifiers_accept_names_domains_and_urls(value, expected):
    assert blog_identifier(value) == expected
    assert check_blog(value) is None


@pytest.mark.parametrize("value", [
    "", "   ", "two words", "-dash", "dash-", "a" * 33, "ftp://staff.tumblr.com", "https://www.tumblr.com/",
    "javascript:alert(1)", "staff@tumblr.com", "1.2.3.4", "bad_name", "exa mple.org", "<script>", "..",
    "https://", "http://[::1", "x" * 400,
])
def test_junk_is_refused_with_a_clear_message(value):
    assert blog_identifier(value) is None
    assert "Enter a Tumblr blog" in check_blog(value)


def test_pages_by_offset_with_the_key_and_reports_the_total(tumblr, make_pod):
    tumblr.add_blog("busy", many_posts(45))
    pod = make_pod(**tumblr.settings())
    totals = []
    posts = list(read_posts(pod, "busy", totals.append, npf=True))
    assert [p["id"] for p in posts] == list(range(45, 0, -1))
    assert totals == [45]
    assert [(q["offset"], q["limit"], q["api_key"], q["npf"]) for q in tumblr.requests] == [
        ("0", "20", "tumblr-test-consumer-key", "true"), ("20", "20", "tumblr-test-consumer-key", "true"),
        ("40", "20", "tumblr-test-consumer-key", "true")]
    assert "content" in posts[0]  # NPF asked, NPF given


def test_the_legacy_format_on_request(tumblr, make_pod):
    tumblr.add_blog("busy", many_posts(3))
    pod = make_pod(**tumblr.settings(**{"tumblr_import.npf": "false"}))
    source = ImportSource(pod=pod, user_id=1, value="https://busy.tumblr.com/", path=None)
    items = list(hooks.read_blog(source))
    assert "npf" not in tumblr.requests[0]
    assert [i.text for i in items] == ["Post 3", "Post 2", "Post 1"]


def test_a_custom_domain_reaches_its_blog(tumblr, make_pod):
    tumblr.add_blog("gardenfan", [(s.legacy, s.npf) for s in samples("http://x.example")], domain="garden.example")
    pod = make_pod(**tumblr.settings())
    items = list(hooks.read_blog(ImportSource(pod=pod, user_id=1, value="garden.example", path=None)))
    assert len(items) == 8 and all(isinstance(i, ImportedPost) for i in items)


def test_an_unknown_blog_and_a_refused_key_stop_the_run(tumblr, make_pod):
    pod = make_pod(**tumblr.settings())
    with pytest.raises(SourceError, match="Tumblr has no blog called 'nobody' \\(Blog not found.\\)"):
        list(read_posts(pod, "nobody"))
    tumblr.add_blog("busy", many_posts(1))
    bad_key = make_pod(**tumblr.settings(**{"tumblr_import.api_key": "wrong"}))
    with pytest.raises(SourceError, match="Tumblr refused the pod's API key \\(You must provide a valid API key.\\)"):
        list(read_posts(bad_key, "busy"))


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limits_and_server_errors_are_tried_again_later(tumblr, make_pod, status):
    tumblr.add_blog("busy", many_posts(25))
    pod = make_pod(**tumblr.settings())
    reader = read_posts(pod, "busy")
    first_page = [next(reader) for _ in range(20)]
    assert len(first_page) == 20
    tumblr.fail_next = [status]
    with pytest.raises(RequestFailed, match=f"Tumblr answered {status}"):
        next(reader)


def test_an_unreachable_tumblr_is_tried_again_later(tumblr, make_pod):
    from core.testing import free_port

    pod = make_pod(**tumblr.settings(**{"tumblr_import.api_url": f"http://127.0.0.1:{free_port()}"}))
    with pytest.raises(RequestFailed):
        list(read_posts(pod, "busy"))


def test_without_a_key_only_the_export_is_offered(make_pod):
    from core.importers.services import importers_of

    assert list(importers_of(make_pod(plugins="tumblr_import"))) == ["tumblr_import.export"]
    keyed = make_pod(plugins="tumblr_import", **{"tumblr_import.api_key": "k"})
    assert list(importers_of(keyed)) == ["tumblr_import.api", "tumblr_import.export"]
