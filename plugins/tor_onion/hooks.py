"""tor_onion: every hookimpl of the plugin."""
from __future__ import annotations

NAME = "tor_onion"
