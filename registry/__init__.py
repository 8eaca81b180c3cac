"""Clearance registry library: catalog and policy loading, the policy engine."""

__version__ = "0.1.0"
