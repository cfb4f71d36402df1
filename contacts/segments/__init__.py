"""Saved segments (named contact filters, evaluated when used) and CSV export of contacts."""
