import sys

from petition_service import create_app
from petition_service.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as exc:
    # A clear message and a non-zero exit, not a traceback. Status 3 is gunicorn's "worker
    # failed to boot": its master stops too, instead of starting the worker again forever.
    print(f"petition-service {exc}", file=sys.stderr)
    raise SystemExit(3) from None
