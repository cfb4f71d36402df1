"""HTTP API plumbing shared by every domain: auth, problems, declared operations, pagination."""
