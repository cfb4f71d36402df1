"""Learning from reviewers: a corrected field is remembered, keyed by what the OCR read, and applied again."""
