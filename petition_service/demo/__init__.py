"""The demo organisation, its petitions and synthetic signatures (`flask demo load`)."""
