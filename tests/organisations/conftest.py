"""A real SMTP server on loopback, for the mail of several petitions signed at once."""

from tests.mail.conftest import smtp, smtp_down, smtp_port  # noqa: F401
