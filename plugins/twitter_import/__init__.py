"""twitter_import: import the tweets of an X (Twitter) data export."""
