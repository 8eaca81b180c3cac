"""The registry's store: catalog revisions and policy revisions in SQLite or PostgreSQL."""
