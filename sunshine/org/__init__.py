"""Organisation structure: the area tree (city → street → community → grid) and work units."""
