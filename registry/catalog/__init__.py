"""The provider catalog: schema, strict loading and effective facts per target."""
