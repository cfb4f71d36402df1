"""Opt-outs (配信停止): a contact asked not to be reached through a channel."""
