"""The `clearance` command line (Typer): thin commands over the registry library."""
