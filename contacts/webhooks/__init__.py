"""Webhooks: the change feed pushed to subscribers' URLs, signed, in order, retried with backoff."""
