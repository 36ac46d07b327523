"""Models of administrative units (filled by the units issue)."""
