"""Running the pod: plugin switches now; the admin panel grows here."""
