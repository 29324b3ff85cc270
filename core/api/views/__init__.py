"""The /api/v1 views, one module per resource of API_V1.md §6."""
