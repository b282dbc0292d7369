"""Public petition pages."""
