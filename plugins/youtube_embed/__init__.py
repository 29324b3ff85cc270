"""youtube_embed: YouTube links as a thumbnail card that loads the player only on click."""
