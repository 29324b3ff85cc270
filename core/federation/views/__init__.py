"""Federation's HTTP endpoints, one module per concern (scanned by ``core.federation``)."""
