"""crosspost_twitter: also post public posts to X (Twitter), from the user's connected account."""
