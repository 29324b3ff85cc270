"""Reading an export and mapping its tweets, without a pod."""
from __future__ import annotations

import datetime as dt

import pytest

from core.importers import ImportedPost, SkippedItem, SourceError
from plugins.twitter_import.archive import NO_TWEETS, NOT_AN_EXPORT, open_export
from plugins.twitter_import.hooks import check_export_name
from plugins.twitter_import.mapping import map_tweet
from tests.plugins.twitter_import.exports import (ACCOUNT_ID, account_js, export_zip, js, photo, sample_export,
                                                  sample_tweets, tweet)

MB = 2**20


def items_of(tmp_path, raw: bytes, name="export.zip"):
    path = tmp_path / name
    path.write_bytes(raw)
    export = open_export(path)
    try:
        own = {t["id_str"] for t in export.tweets}
        return export, {t["id_str"]: map_tweet(t, export, own, 20 * MB) for t in export.tweets}
    finally:
        export.close()


def test_a_full_export_maps_every_tweet(tmp_path):
    export, items = items_of(tmp_path, sample_export())
    assert export.account_id == ACCOUNT_ID
    first = items["500"]
    assert isinstance(first, ImportedPost)
    assert first.text == "Tomatoes & basil, planted today #garden"  # unescaped, the photo link gone
    assert first.created_at == dt.datetime(2019, 5, 4, 9, 15, tzinfo=dt.timezone.utc)
    assert first.tags == ["garden"]
    assert [len(data) > 100 for data, _alt in first.photos] == [True, True]
    thread = items["501"]
    assert thread.text == "And the seeds came from https://seeds.example/heirloom"
    assert items["502"] == SkippedItem("502", "a retweet of someone else's post")
    assert items["503"] == SkippedItem("503", "a reply to someone else's post")
    video = items["504"]
    assert video.text == "Watch them grow https://twitter.com/gardener/status/504/photo/1" and video.photos == []


def test_a_lone_tweets_js_links_the_photos_it_does_not_hold(tmp_path):
    _export, items = items_of(tmp_path, js(sample_tweets()), "tweets.js")
    assert items["500"].photos == []
    assert items["500"].text == "Tomatoes & basil, planted today #garden https://twitter.com/gardener/status/500/photo/1"
    assert isinstance(items["501"], ImportedPost)  # its parent is in the export: one's own thread


def test_an_older_export_and_the_unwrapped_shape(tmp_path):
    old = sample_export(variable="tweet", media_folder="tweet_media", account=False)
    _export, items = items_of(tmp_path, old)
    assert len(items["500"].photos) == 2
    unwrapped = js([tweet("7", "Plain &lt;3")], wrap=False)
    _export, items = items_of(tmp_path, unwrapped, "tweet.js")
    assert items["7"].text == "Plain <3"


def test_parts_are_read_in_order(tmp_path):
    raw = export_zip({"data/tweets-part1.js": js([tweet("2", "two")], part=1),
                      "data/tweets.js": js([tweet("1", "one")])})
    export, _items = items_of(tmp_path, raw)
    assert [t["id_str"] for t in export.tweets] == ["1", "2"]


def test_a_reply_to_ones_own_account_is_kept_without_the_leading_mention(tmp_path):
    reply = tweet("9", "@gardener @gardener more on this", in_reply_to_status_id_str="1",
                  in_reply_to_user_id_str=ACCOUNT_ID)
    raw = export_zip({"data/tweets.js": js([reply]), "data/account.js": account_js()})
    _export, items = items_of(tmp_path, raw)
    assert items["9"].text == "more on this"


def test_odd_tweets_are_skipped_with_a_reason(tmp_path):
    only_media = tweet("3", "https://t.co/x", media=[photo("3", "1", "https://t.co/x", "Gone.jpg")])
    only_media["extended_entities"]["media"][0]["expanded_url"] = ""
    only_media["entities"]["media"][0]["expanded_url"] = ""
    raw = js([tweet("1", "When?", "yesterday"), only_media])
    _export, items = items_of(tmp_path, raw, "tweets.js")
    assert items["1"] == SkippedItem("1", "its date can't be read ('yesterday')")
    assert items["3"].reason.startswith("nothing left to post")


@pytest.mark.parametrize("raw, name, message", [
    (b"hello, this is not an export", "notes.txt", NOT_AN_EXPORT),
    (b"PK\x03\x04 broken zip", "broken.zip", NOT_AN_EXPORT),
    (export_zip({"data/like.js": b"window.YTD.like.part0 = []"}), "other.zip", NO_TWEETS),
    (b"window.YTD.tweets.part0 = [{\"tweet\": ", "tweets.js", "tweets.js is damaged: its tweets can't be read"),
    (b"window.YTD.tweets.part0 = {\"a\": 1}", "tweets.js", "tweets.js is damaged: it holds no list of tweets."),
    (export_zip({"data/tweets.js": b"var x = 1"}), "odd.zip", NOT_AN_EXPORT),
])
def test_what_is_not_an_export_is_a_source_error(tmp_path, raw, name, message):
    with pytest.raises(SourceError) as caught:
        items_of(tmp_path, raw, name)
    assert str(caught.value).startswith(message)


def test_the_file_name_is_checked_before_upload():
    assert check_export_name("twitter-2024-01-01-abc.zip") is None
    assert check_export_name("tweets.js") is None
    assert "Upload the .zip file of your X data export" in check_export_name("photo.png")
