"""Plugins bundled with Seedpod; each is declared in setup.cfg like any third-party plugin."""
