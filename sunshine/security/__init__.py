"""The security log: an append-only record of logins, grants and other sensitive actions."""
