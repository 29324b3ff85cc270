"""A post's text as X takes it: plain text, at most 280 characters, cut on a word."""
import re

from hypothesis import given, settings, strategies as st

from plugins.crosspost_twitter.text import ELLIPSIS, MAX_WEIGHT, fit, plain_text, weighted_length

LINK = "https://pod.example/posts/0123456789abcdef0123456789abcdef"

words = st.one_of(
    st.text(alphabet=st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=30),
    st.sampled_from(["https://example.org/a/very/long/path/that/x/shortens/to/twenty/three", "example.com",
                     "猫", "日本語のテキスト", "🙂", "#tag", "naïve", "a" * 300]),
)
separators = st.sampled_from([" ", "  ", "\n", "\n\n", " \n "])


@st.composite
def texts(draw):
    parts = draw(st.lists(st.tuples(words, separators), max_size=120))
    return "".join(word + gap for word, gap in parts).strip()


@settings(max_examples=300, deadline=None)
@given(texts())
def test_a_tweet_fits_and_is_cut_on_a_word(text):
    tweet = fit(text, LINK)
    assert weighted_length(tweet) <= MAX_WEIGHT
    if weighted_length(text) <= MAX_WEIGHT:
        assert tweet == text  # short enough: untouched, no link
        return
    assert tweet.endswith(LINK)
    kept = tweet[:-len(LINK)].rstrip(" ")
    if kept:
        assert kept.endswith(ELLIPSIS)
        kept = kept[:-len(ELLIPSIS)]
        assert text.startswith(kept)
        rest = text[len(kept):]
        # On a word boundary, unless the first word alone is too long for any tweet.
        assert rest[:1].isspace() or not re.search(r"\s", kept)


def test_urls_count_twenty_three():
    assert weighted_length("see https://example.org/" + "x" * 200) == len("see ") + 23
    assert weighted_length("猫🙂a") == 5


def test_the_link_comes_only_when_the_text_is_cut():
    assert fit("short and sweet", LINK) == "short and sweet"
    cut = fit("word " * 100, LINK)
    assert cut.endswith(f"word{ELLIPSIS} {LINK}") and weighted_length(cut) <= MAX_WEIGHT


def test_markdown_becomes_plain_text():
    text = ("# Title\n\nSome **bold**, _soft_ and `code` with [a link](https://example.org/x), "
            "[https://example.org/y](https://example.org/y) and @{Bob Smith; bob@pod.example} #tag\n\n"
            "- one\n- two\n\n> quoted\n\n![a cat](https://example.org/cat.png)\n\n<b>not html</b> & more")
    assert plain_text(text) == (
        "Title\n\nSome bold, soft and code with a link https://example.org/x, https://example.org/y and "
        "Bob Smith #tag\n\n- one\n- two\n\nquoted\n\na cat\n\n<b>not html</b> & more")
    assert plain_text("") == "" and plain_text("   ") == ""
