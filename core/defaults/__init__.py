"""Core's own hookimpls, all ``trylast``: a plugin that answers the same hook wins."""
from .hooks import landing_page, register_jobs, register_periodic_jobs, register_themes

__all__ = ["landing_page", "register_jobs", "register_periodic_jobs", "register_themes"]
