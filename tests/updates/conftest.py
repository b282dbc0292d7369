# The real SMTP server and the logged-in staff member of the mail and staff tests.
from tests.mail.conftest import smtp, smtp_down, smtp_port  # noqa: F401
from tests.staff.conftest import member  # noqa: F401
