"""The organisation department's audit: periods and the service requirement of each."""
