"""Touchpoint analytics: counts over time, distinct contacts reached, frequency, new contacts and ROI."""
