"""Reading YouTube links: every form people paste, and nothing else."""
from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.youtube_embed.urls import VIDEO_ID, Video, offset, origin, parse, player_src, watch_url

ID = "dQw4w9WgXcQ"
ID_WITH_SYMBOLS = "a-b_C9d-E_f"


@pytest.mark.parametrize("url, expected", [
    # the watch page, on every host and scheme
    (f"https://www.youtube.com/watch?v={ID}", Video(ID)),
    (f"https://youtube.com/watch?v={ID}", Video(ID)),
    (f"http://www.youtube.com/watch?v={ID}", Video(ID)),
    (f"http://youtube.com/watch?v={ID}", Video(ID)),
    (f"https://m.youtube.com/watch?v={ID}&feature=share", Video(ID)),
    (f"https://music.youtube.com/watch?v={ID}", Video(ID)),
    (f"https://WWW.YouTube.com/watch?v={ID}", Video(ID)),
    (f"https://www.youtube.com/watch?feature=youtu.be&v={ID}", Video(ID)),
    (f"https://www.youtube.com/watch?v={ID_WITH_SYMBOLS}", Video(ID_WITH_SYMBOLS)),
    # short links
    (f"https://youtu.be/{ID}", Video(ID)),
    (f"http://youtu.be/{ID}", Video(ID)),
    (f"https://www.youtu.be/{ID}/", Video(ID)),
    (f"https://youtu.be/{ID}?si=AbCdEf123", Video(ID)),
    # shorts, embeds, lives
    (f"https://www.youtube.com/shorts/{ID}", Video(ID)),
    (f"https://youtube.com/shorts/{ID}?feature=share", Video(ID)),
    (f"https://m.youtube.com/shorts/{ID}", Video(ID)),
    (f"https://www.youtube.com/embed/{ID}", Video(ID)),
    (f"https://www.youtube-nocookie.com/embed/{ID}", Video(ID)),
    (f"https://www.youtube.com/live/{ID}", Video(ID)),
    # start offsets: seconds, with or without "s", and the 1h2m3s form; t= and start=
    (f"https://youtu.be/{ID}?t=90", Video(ID, 90)),
    (f"https://youtu.be/{ID}?t=90s", Video(ID, 90)),
    (f"https://www.youtube.com/watch?v={ID}&t=1h2m3s", Video(ID, 3723)),
    (f"https://www.youtube.com/watch?v={ID}&t=2m", Video(ID, 120)),
    (f"https://www.youtube.com/watch?v={ID}&t=1h", Video(ID, 3600)),
    (f"https://www.youtube.com/watch?v={ID}&t=1m30", Video(ID, 90)),
    (f"https://www.youtube.com/embed/{ID}?start=45", Video(ID, 45)),
    (f"https://www.youtube.com/watch?v={ID}#t=30", Video(ID, 30)),
    (f"https://music.youtube.com/watch?v={ID}&t=15", Video(ID, 15)),
    # offsets that mean nothing play from the start
    (f"https://youtu.be/{ID}?t=soon", Video(ID)),
    (f"https://youtu.be/{ID}?t=-5", Video(ID)),
    (f"https://youtu.be/{ID}?t=99999999", Video(ID)),
    # playlists
    (f"https://www.youtube.com/watch?v={ID}&list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG",
     Video(ID, 0, "PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG")),
    (f"https://music.youtube.com/watch?v={ID}&list=RDAMVM{ID}&t=10", Video(ID, 10, f"RDAMVM{ID}")),
    (f"https://youtu.be/{ID}?list=PL123abc", Video(ID, 0, "PL123abc")),
    (f"https://www.youtube.com/watch?v={ID}&list=<script>", Video(ID)),  # a bad list is dropped
])
def test_youtube_links_are_read(url, expected):
    assert parse(url) == expected


@pytest.mark.parametrize("url", [
    "https://www.youtube.com/watch?v=dQw4w9WgXc",         # 10 characters
    "https://www.youtube.com/watch?v=dQw4w9WgXcQQ",       # 12 characters
    "https://youtu.be/dQw4w9WgX!Q",                       # a character outside [A-Za-z0-9_-]
    "https://youtu.be/dQw4w9WgX%51",                      # percent-encoded in the path
    "https://www.youtube.com/shorts/dQw4w9WgXcQ/extra",
    "https://www.youtube.com/watch?v=d%C3%A9w4w9WgXc",     # a non-ASCII letter
    "https://www.youtube.com/watch",                      # no video at all
    "https://www.youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG",
    "https://www.youtube.com/@someone",
    "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw",
    "https://youtu.be/",
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",  # not YouTube's host
    "https://notyoutube.com/watch?v=dQw4w9WgXcQ",
    "https://evil.example/youtu.be/dQw4w9WgXcQ",
    "https://youtube.com:8443/watch?v=dQw4w9WgXcQ",          # another port
    "https://user:pass@youtube.com/watch?v=dQw4w9WgXcQ",     # credentials
    "ftp://youtube.com/watch?v=dQw4w9WgXcQ",
    "javascript:alert(1)//youtu.be/dQw4w9WgXcQ",
    "https://[::1/watch?v=dQw4w9WgXcQ",                     # malformed
    "https://youtube.com:99999/watch?v=dQw4w9WgXcQ",
    "https://www.youtube-nocookie.com/watch?v=dQw4w9WgXcQ",  # the no-cookie host only embeds
    "",
])
def test_other_links_are_not_videos(url):
    assert parse(url) is None


def test_offsets():
    assert [offset(t) for t in ("0", "7", "7s", "1m", "1m1s", "2h", "2h0m5s", "", "h", "ms", "1d", "1.5")] == \
        [0, 7, 7, 60, 61, 7200, 7205, 0, 0, 0, 0, 0]


def test_watch_and_player_urls():
    video = Video(ID, 62, "PL123abc")
    assert watch_url(video) == f"https://www.youtube.com/watch?v={ID}&t=62s&list=PL123abc"
    assert watch_url(Video(ID)) == f"https://www.youtube.com/watch?v={ID}"
    player = "https://www.youtube-nocookie.com/embed/"
    assert player_src(player, video, autoplay=True) == f"{player}{ID}?autoplay=1&start=62&list=PL123abc"
    assert player_src(player, Video(ID), autoplay=False) == f"{player}{ID}"
    assert origin(player) == "https://www.youtube-nocookie.com"


# --- properties ----------------------------------------------------------------------------

ID_ALPHABET = string.ascii_letters + string.digits + "-_"
ids = st.text(alphabet=ID_ALPHABET, min_size=11, max_size=11)
links = st.one_of(
    st.text(),
    st.builds(lambda host, tail: f"https://{host}/{tail}",
              st.sampled_from(["youtube.com", "www.youtube.com", "youtu.be", "m.youtube.com", "music.youtube.com",
                               "www.youtube-nocookie.com"]),
              st.text()),
    st.builds(lambda tail: f"https://www.youtube.com/watch?v={tail}", st.text()),
)


@given(links)
def test_parse_never_raises_and_gives_only_valid_ids(url):
    video = parse(url)
    if video is not None:
        assert VIDEO_ID.fullmatch(video.id)
        assert 0 <= video.start <= 7 * 24 * 3600
        assert video.playlist is None or set(video.playlist) <= set(ID_ALPHABET)


@given(ids, st.sampled_from([
    "https://www.youtube.com/watch?v={id}", "http://youtube.com/watch?v={id}", "https://youtu.be/{id}",
    "https://m.youtube.com/watch?v={id}", "https://music.youtube.com/watch?v={id}",
    "https://www.youtube.com/shorts/{id}", "https://www.youtube.com/embed/{id}"]),
    st.integers(min_value=0, max_value=86_400))
def test_every_valid_id_in_every_form_is_read_with_its_offset(video_id, form, seconds):
    url = form.format(id=video_id)
    url += ("&" if "?" in url else "?") + f"t={seconds // 3600}h{seconds % 3600 // 60}m{seconds % 60}s"
    assert parse(url) == Video(video_id, seconds)


@given(st.text(alphabet=ID_ALPHABET, max_size=30).filter(lambda s: len(s) != 11))
def test_ids_of_another_length_are_never_read(candidate):
    assert parse(f"https://www.youtube.com/watch?v={candidate}") is None
    assert parse(f"https://youtu.be/{candidate}") is None
