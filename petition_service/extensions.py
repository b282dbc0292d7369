"""Flask extensions, created unbound here and bound to the app in `create_app`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from . import ratelimit_storage  # noqa: F401  (registers the sqlite:// limiter storage)
from .signatures.clients import client_hash

# Named constraints make migrations portable: SQLite and PostgreSQL then agree on
# what to drop or alter, and Alembic can compare the models with the database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    # `db.Model` is made at run time from Base (adding the table name and the query
    # property); to the type checker it is Base, whose mapped attributes it knows.
    Model = Base
else:
    Model = db.Model
babel = Babel()
# Builds messages; the outbox sender passes the SMTP settings at each send.
mailman = Mail()
migrate = Migrate()
csrf = CSRFProtect()
# The client address is whatever ProxyFix left in remote_addr: forwarded headers are
# trusted only for the TRUSTED_PROXY_HOPS configured in create_app. Limits are declared
# per route (signatures, api, staff); there is no blanket default. Every limit is keyed by
# the client's keyed hash (signatures/clients.py), so no address reaches the counters.
limiter = Limiter(key_func=client_hash)
# Staff sessions; the staff blueprint decides what an anonymous request gets (a redirect
# to the login page, or 401 for API clients), so no login_view is configured here.
login_manager = LoginManager()
