"""Access control: API keys, roles and their actions, and the hash-chained audit log."""
