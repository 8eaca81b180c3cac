"""The catalog Clearance ships: `providers/*.yaml` and `reviews/*.yaml` as package data.

This file makes the directory importable so an installed `clearance` finds the catalog with
`importlib.resources` (registry/catalog/shipped.py); it holds no code. Edit the YAML files.
"""
