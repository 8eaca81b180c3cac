"""Output formats: one small pure function per format over one result type."""
