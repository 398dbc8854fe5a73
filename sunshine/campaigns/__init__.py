"""Campaigns (运动、专项): a city's tags on tasks, and the filter they give compliance, exports."""
