import sys

from petition_service import create_app
from petition_service.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as exc:
    # A clear message and a non-zero exit, not a traceback: gunicorn and `flask` stop here.
    print(f"petition-service {exc}", file=sys.stderr)
    raise SystemExit(1) from None
