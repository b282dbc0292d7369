"""The embeddable form: iframe pages, the embed.js loader, and who may frame them."""
