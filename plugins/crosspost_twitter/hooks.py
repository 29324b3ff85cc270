"""crosspost_twitter: every hookimpl of the plugin."""
from __future__ import annotations

NAME = "crosspost_twitter"
