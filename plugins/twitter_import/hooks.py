"""twitter_import: every hookimpl of the plugin."""
from __future__ import annotations

NAME = "twitter_import"
