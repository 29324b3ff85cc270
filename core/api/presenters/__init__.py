"""JSON shapes of API v1, one module per domain (API_V1.md §5). Presenters of a list take the
whole page at once and answer it in a fixed number of queries."""
