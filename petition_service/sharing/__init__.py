"""Sharing a petition: case photos, link previews, the QR poster, oEmbed, the favicon."""
