"""The REST API (FastAPI, OpenAPI at /api/docs and /api/openapi.json)."""
