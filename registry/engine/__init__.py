"""The policy engine: policies compiled to PyCasbin rows, decisions with every reason."""
