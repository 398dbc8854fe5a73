"""On-site check-in and check-out: rotating and venue codes, punches, hand-recorded attendance."""
