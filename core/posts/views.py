"""Views of posts; thin: the logic lives in services."""
