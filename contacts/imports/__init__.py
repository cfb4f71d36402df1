"""Import of contacts from CSV exports (Salesforce, HubSpot, Sansan, Meishi) and vCard: dry-run, commit, rollback."""
