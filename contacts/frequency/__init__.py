"""Contact-frequency rules (過剰な接点): how often a contact may be reached, and who is over it."""
