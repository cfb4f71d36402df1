"""changelog domain."""
