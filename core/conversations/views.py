"""Views of conversations; thin: the logic lives in services."""
