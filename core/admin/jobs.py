"""Jobs of the admin panel: admin mail batches and moderation mail."""
