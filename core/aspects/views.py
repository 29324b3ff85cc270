"""Views of aspects; thin: the logic lives in services."""
