"""The registry service (FastAPI): `create_app(settings)` builds everything, nothing at import."""
