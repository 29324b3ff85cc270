"""Talking to X: OAuth 1.0a (the three-legged flow and signed calls) through core.http.

Every call is signed with ``requests_oauthlib.OAuth1`` and sent by :func:`core.http.request`,
so the pod's rules for outbound requests hold. Answers are read into :class:`XError` when X
says no, with what the caller needs to decide: retry later, ask the user to reconnect, or
give up with X's own message.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from requests_oauthlib import OAuth1

from core import http

NAME = "crosspost_twitter"
PURPOSE = NAME


@dataclass(eq=False)
class XError(Exception):
    """X did not do what we asked. ``status`` is its HTTP status, or 0 when nothing answered."""

    status: int
    message: str
    retry_at: dt.datetime | None = None  # from x-rate-limit-reset, for 429

    def __str__(self) -> str:
        return f"X answered {self.status}: {self.message}" if self.status else self.message

    @property
    def unauthorized(self) -> bool:
        return self.status == 401

    @property
    def temporary(self) -> bool:
        """Worth trying again later: rate limited, X's own trouble, or no answer at all."""
        return self.status in (0, 429) or self.status >= 500


class BadAnswer(XError):
    """X's answer, or the pod's rules, leave nothing to retry: a 2xx answer without what it
    should hold (the tweet may exist, so sending again could post twice), or a request the
    pod refuses to make."""

    def __str__(self) -> str:
        return self.message

    @property
    def temporary(self) -> bool:
        return False


def setting(pod, key: str) -> str:
    return str(pod.settings[f"{NAME}.{key}"]).strip()


def configured(pod) -> bool:
    """Whether the podmin gave the pod its X app's consumer key and secret."""
    return bool(setting(pod, "consumer_key") and setting(pod, "consumer_secret"))


def oauth_url(pod) -> str:
    return setting(pod, "api_url").rstrip("/") + "/oauth"


def signer(pod, token: str | None = None, token_secret: str | None = None, **extra) -> OAuth1:
    return OAuth1(setting(pod, "consumer_key"), setting(pod, "consumer_secret"), token, token_secret,
                  signature_method="HMAC-SHA1", signature_type="AUTH_HEADER", **extra)


def call(pod, method: str, url: str, auth: OAuth1, **kwargs) -> http.Response:
    """One signed request; a 2xx answer is returned, anything else raised as :class:`XError`."""
    try:
        answer = http.request(pod, method, url, purpose=PURPOSE, auth=auth, **kwargs)
    except http.Unreachable as exc:
        raise XError(0, f"X could not be reached: {exc}") from None
    except http.Refused as exc:
        raise BadAnswer(0, f"This pod refuses to send the request to X: {exc}") from None
    if not 200 <= answer.status < 300:
        raise XError(answer.status, error_message(answer), rate_limit_reset(answer))
    return answer


def error_message(answer: http.Response) -> str:
    """X's own words: v2's ``detail``/``title``, v1.1's ``errors[].message``, or the text."""
    text = answer.body.decode("utf-8", "replace").strip()
    try:
        body = json.loads(text)
    except ValueError:
        return text[:300] or f"HTTP {answer.status}"
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return str(first.get("message") or first.get("detail") or first)[:300]
        for key in ("detail", "title", "error"):
            if body.get(key):
                return str(body[key])[:300]
    return text[:300]


def rate_limit_reset(answer: http.Response) -> dt.datetime | None:
    reset = answer.headers.get("x-rate-limit-reset", "").strip()
    if answer.status != 429 or not reset.isdigit():
        return None
    try:
        return dt.datetime.fromtimestamp(int(reset), dt.timezone.utc)
    except (OverflowError, OSError, ValueError):  # not a time X would send
        return None


def form(answer: http.Response) -> dict[str, str]:
    return dict(parse_qsl(answer.body.decode("utf-8", "replace")))


# --- the three legs -----------------------------------------------------------------------

def request_token(pod, callback_url: str) -> tuple[str, str]:
    """A temporary token and secret, for the user to authorize on X."""
    answer = call(pod, "POST", oauth_url(pod) + "/request_token", signer(pod, callback_uri=callback_url))
    values = form(answer)
    if values.get("oauth_callback_confirmed") != "true" or not values.get("oauth_token"):
        raise BadAnswer(answer.status, "X did not confirm the callback address")
    return values["oauth_token"], values.get("oauth_token_secret", "")


def authorize_url(pod, token: str) -> str:
    return oauth_url(pod) + "/authorize?" + urlencode({"oauth_token": token})


@dataclass(frozen=True)
class AccessToken:
    token: str
    secret: str
    x_user_id: str
    screen_name: str


def access_token(pod, token: str, token_secret: str, verifier: str) -> AccessToken:
    """Trade the authorized temporary token for the user's own access token."""
    answer = call(pod, "POST", oauth_url(pod) + "/access_token", signer(pod, token, token_secret, verifier=verifier))
    values = form(answer)
    if not values.get("oauth_token") or not values.get("oauth_token_secret"):
        raise BadAnswer(answer.status, "X's answer held no access token")
    return AccessToken(values["oauth_token"], values["oauth_token_secret"], values.get("user_id", ""),
                       values.get("screen_name", ""))


# --- the API --------------------------------------------------------------------------------

def upload_media(pod, auth: OAuth1, data: bytes, file_name: str, content_type: str) -> str:
    url = setting(pod, "upload_url").rstrip("/") + "/1.1/media/upload.json"
    answer = call(pod, "POST", url, auth, files={"media": (file_name, data, content_type)})
    media_id = _json(answer).get("media_id_string") or str(_json(answer).get("media_id") or "")
    if not media_id:
        raise BadAnswer(answer.status, "X's upload answer held no media id")
    return media_id


def describe_media(pod, auth: OAuth1, media_id: str, alt_text: str) -> None:
    """Give an uploaded photo its alt text (X keeps at most 1000 characters)."""
    body = {"media_id": media_id, "alt_text": {"text": alt_text[:1000]}}
    call(pod, "POST", setting(pod, "upload_url").rstrip("/") + "/1.1/media/metadata/create.json", auth,
         data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def create_tweet(pod, auth: OAuth1, text: str, media_ids: list[str]) -> str:
    body: dict = {"text": text}
    if media_ids:
        body["media"] = {"media_ids": media_ids}
    answer = call(pod, "POST", setting(pod, "api_url").rstrip("/") + "/2/tweets", auth,
                  data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    tweet_id = (_json(answer).get("data") or {}).get("id")
    if not tweet_id:
        raise BadAnswer(answer.status, "X's answer held no tweet id; it may have published the post anyway")
    return str(tweet_id)


def delete_tweet(pod, auth: OAuth1, tweet_id: str) -> None:
    """Delete a tweet; one that is already gone counts as deleted."""
    try:
        call(pod, "DELETE", setting(pod, "api_url").rstrip("/") + f"/2/tweets/{tweet_id}", auth)
    except XError as exc:
        if exc.status != 404:
            raise


def _json(answer: http.Response) -> dict:
    try:
        body = json.loads(answer.body)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
