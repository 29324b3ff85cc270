"""Seedpod's bundled themes: `default` and the JavaScript-free `plain`."""
