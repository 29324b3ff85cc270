"""Dispatching events to the ``on_*`` hooks."""
