"""Views of people; thin: the logic lives in services."""
