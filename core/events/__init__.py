"""Events: what local users did, recorded with the change and dispatched to the ``on_*`` hooks.

Domain services call :func:`record`; hooks get an :class:`EventData`. See DESIGN.md §3.
"""
from .services import EVENT_NAMES, EventData, EventError, dispatch_context, dispatched_event, record

__all__ = ["EVENT_NAMES", "EventData", "EventError", "dispatch_context", "dispatched_event", "record"]
