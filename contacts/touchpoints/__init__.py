"""touchpoints domain."""
