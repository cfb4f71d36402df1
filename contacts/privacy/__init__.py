"""Personal-data requests (APPI, GDPR): export everything held about a person, and erase it."""
