"""Mail: the confirmation mails, the durable outbox they are sent from, and the confirm
and withdraw pages their links open."""

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from .sender import mailman

bp = Blueprint("mail", __name__)


@bp.record_once
def _init_mailman(state: BlueprintSetupState) -> None:
    # Flask-Mailman builds messages; the sender passes the SMTP settings at each send.
    app: Flask = state.app
    mailman.init_app(app)


from . import tasks, views  # noqa: E402,F401  (routes and jobs register themselves)
