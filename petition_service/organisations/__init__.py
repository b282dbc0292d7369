"""Organisations and coalitions: public pages, the coalition circle, co-sponsors."""
