"""The roster (花名册): the org department's list of in-service Party members."""
