"""Export and import pages (``export.py``, ``importing.py``); thin, the logic is in the package."""
