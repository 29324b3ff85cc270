"""youtube_embed: every hookimpl of the plugin."""
from __future__ import annotations

NAME = "youtube_embed"
