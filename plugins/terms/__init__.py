"""terms: the pod's terms of service at `/terms`."""
