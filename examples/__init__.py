"""Example programs that use Meishi through its public API only."""
