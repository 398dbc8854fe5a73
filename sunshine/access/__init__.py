"""Roles, grants with scopes, and the one permission check every service uses."""
