"""The OpenAPI-driven fuzz run (schemathesis on PostgreSQL): see docs/fuzzing.md."""
