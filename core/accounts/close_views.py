"""Closing one's own account: the confirmation page."""
