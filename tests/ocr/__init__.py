"""Tests of the OCR library."""
