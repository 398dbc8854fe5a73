"""Service records, their confirmation, and the append-only hours and points ledgers."""
