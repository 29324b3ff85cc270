"""The /admin pages, one module per section; thin, the logic is in ``core.admin``."""
