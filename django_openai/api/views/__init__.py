"""The API's views, one module per kind (the project's own kinds add modules of their own)."""
