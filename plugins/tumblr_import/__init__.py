"""tumblr_import: import a Tumblr blog, through Tumblr's API or from a Tumblr export."""
