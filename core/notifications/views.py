"""Views of notifications; thin: the logic lives in services."""
