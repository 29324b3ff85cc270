"""`seedpod import`: posts from elsewhere, through the importers plugins offer."""
from __future__ import annotations

import click


@click.group("import")
def import_group():
    """Import posts from other services into an account."""
