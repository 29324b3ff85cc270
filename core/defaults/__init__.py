"""Core's own hookimpls, all ``trylast``: a plugin that answers the same hook wins."""
from .hooks import *  # noqa: F401,F403  (the plugin manager registers this module)
