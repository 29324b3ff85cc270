"""Reading API parameters: query, form, multipart or JSON body alike (API_V1.md §2.4).

Booleans are parsed before anything checks them, so the string "false" is false.
"""
from __future__ import annotations

import datetime as dt
import json
import re

from .errors import ApiError

TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off")
OFFSET_AS_SPACE = re.compile(r"(?<=\d) (\d\d:?\d\d)$")


def _json_body(request) -> dict:
    if request.content_type != "application/json" or not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "The request body is not valid JSON") from None
    return body if isinstance(body, dict) else {}


def params(request) -> dict:
    """Every parameter of the request by name; ``name[]`` arrays and ``a[b]`` hashes folded
    into lists and dicts as Rails does, JSON bodies taken as they are."""
    cached = request.__dict__.get("_api_params")
    if cached is not None:
        return cached
    merged: dict = {}
    sources = [request.GET]
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.POST)
    for source in sources:
        for key, value in source.items():
            # "a[]" is a list; "a[b][]" (a list inside a hash) is the next branch's.
            if key.endswith("[]") and "[" not in key[:-2]:
                merged.setdefault(key[:-2], [])
                if isinstance(merged[key[:-2]], list):
                    merged[key[:-2]].append(value)
            elif "[" in key and key.endswith("]"):
                outer, inner = key[:-1].split("[", 1)
                if inner.endswith("]["):
                    inner = inner[:-2]
                    merged.setdefault(outer, {})
                    if isinstance(merged[outer], dict):
                        merged[outer].setdefault(inner, []).append(value)
                    continue
                merged.setdefault(outer, {})
                if isinstance(merged[outer], dict):
                    merged[outer][inner] = value
            else:
                merged[key] = value
    merged.update(_json_body(request))
    merged.pop("access_token", None)
    request.__dict__["_api_params"] = merged
    return merged


def blank(value) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not (value.strip() if isinstance(value, str) else value))


def required(request, name: str, message: str | None = None, status: int = 422):
    """The parameter, or the API's error when it is missing or blank."""
    value = params(request).get(name)
    if blank(value):
        raise ApiError(status, message or f"param is missing or the value is empty: {name}")
    return value


def text(value) -> str | None:
    """A string parameter; anything else (a list, a dict, a number in JSON) counts as absent."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def boolean(value, default: bool | None = None) -> bool | None:
    """True/false from a form string or a JSON boolean; ``default`` when absent or unreadable."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in FALSE:
        return False
    return default


def integer(value) -> int | None:
    """A whole number a database column holds (32 bits), from a string or a JSON number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -2**31 <= value < 2**31 else None
    if isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            return None
        return number if -2**31 <= number < 2**31 else None
    return None


def string_list(value) -> list[str] | None:
    """A list of strings from ``name[]=``, a JSON array, or one plain value; None when not that."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        return [str(v) for v in value]
    return None


def timestamp(value) -> dt.datetime | None:
    """An ISO 8601 time (a bare date is its midnight UTC); None when absent; raises ValueError."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    # A "+01:00" sent unencoded in a query string arrives as " 01:00".
    raw = OFFSET_AS_SPACE.sub(r"+\1", value.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    parsed = dt.datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)
