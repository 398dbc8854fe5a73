"""Report-in (报到): a member's registration with their residential community."""
