"""Party members: registration, verification against the roster, profile and own data."""
