"""landing_page: what a visitor sees at `/`."""
