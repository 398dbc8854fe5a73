"""Volunteer detachments (志愿服务支队): city-level teams that sign up for shifts together."""
