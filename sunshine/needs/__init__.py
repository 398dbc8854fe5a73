"""The needs list (需求清单): residents' needs recorded by the community and tracked to a task."""
