"""Staff: login, tokens, dashboard, petition management, moderation, exports, batches.

Every route of this blueprint runs behind `auth.authenticate_staff_request`, registered
here as the blueprint's first hook: it sets `g.staff_user` and `g.organisation` (or answers
401 / redirects to the login page), and `scoping.py` reaches data only through them.
"""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from . import auth  # noqa: E402

bp.before_request(auth.authenticate_staff_request)
bp.after_request(auth.keep_token_requests_stateless)

from . import views  # noqa: E402,F401  (routes register themselves on bp)
