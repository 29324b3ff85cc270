"""Federation's own hookimpls: it learns what local users did from events and plans deliveries."""
