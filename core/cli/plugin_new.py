"""`seedpod plugin new NAME`: a new, publishable plugin package."""
from __future__ import annotations

import click


@click.group("plugin")
def plugin():
    """Write a plugin of your own."""
