"""Signing: forms, validation, deduplication and rate limits."""
