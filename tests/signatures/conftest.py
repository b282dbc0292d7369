"""The signer's mail (a real SMTP server on loopback) and a staff member, for the tests of
what a signer receives and what staff still see."""

from tests.mail.conftest import smtp, smtp_down, smtp_port  # noqa: F401
from tests.staff.conftest import member  # noqa: F401
