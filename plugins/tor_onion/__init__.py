"""tor_onion: serve the pod as a Tor onion service and reach .onion pods through Tor."""
