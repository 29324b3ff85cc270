"""The origins a pod answers on: its ``url``, and those plugins add through ``alternate_origins``.

(Built with the tor_onion plugin: a request that came to an alternate origin gets links and
redirects on that origin.)
"""
from __future__ import annotations


def includeme(config):
    pass
