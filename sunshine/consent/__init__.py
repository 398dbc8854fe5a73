"""The privacy notice and the member's consents (PIPL)."""
