"""Spotlight and getting-started pages."""
