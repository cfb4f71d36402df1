"""A reference sync client: keeps a SQLite database (standing in for a CRM) in step with Meishi's change feed.

See ``client`` (the pull loop and the target store), ``receiver`` (webhooks as a wake-up signal, with the
signature checked) and ``__main__`` (``python -m examples.crm_sync``). It imports nothing from ``contacts``:
everything it knows comes from the HTTP API.
"""
