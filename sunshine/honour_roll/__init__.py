"""The honour roll (光荣榜): members ranked by their confirmed service in a period, and work
units ranked by their members' compliance (docs/rankings.md)."""
