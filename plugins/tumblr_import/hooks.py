"""tumblr_import: every hookimpl of the plugin."""
from __future__ import annotations

NAME = "tumblr_import"
