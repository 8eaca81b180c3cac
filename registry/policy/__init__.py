"""Organization policies: schema, strict loading, inheritance and region groups resolved."""
