"""A small client for the Clearance registry, safe on a router's hot path (httpx only)."""
