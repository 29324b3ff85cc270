"""Jobs of posts: background work on photos and posts."""
