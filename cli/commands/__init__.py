"""One module per command; cli.main wires them into the Typer app."""
