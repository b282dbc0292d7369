"""The straightforward baseline the intake figures are compared with: a minimal Flask form
handler as a first version would be written (Flask-WTF form, Flask-Limiter in memory, SQLite
in WAL mode, a unique email). Run: gunicorn -w 2 -b 127.0.0.1:PORT bench.naive_app:app"""

from __future__ import annotations

import os
import sqlite3

from flask import Flask, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Email, Length

DATABASE = os.environ.get("NAIVE_DB", "/tmp/naive-bench.db")

app = Flask(__name__)
app.config.update(SECRET_KEY="bench", WTF_CSRF_ENABLED=False, RATELIMIT_STORAGE_URI="memory://")
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)
limiter = Limiter(get_remote_address, app=app)


class SignForm(FlaskForm):
    name = StringField(validators=[DataRequired(), Length(max=120)])
    email = StringField(validators=[DataRequired(), Email()])
    country = StringField(validators=[DataRequired(), Length(min=2, max=2)])
    city = StringField()
    consent = BooleanField(validators=[DataRequired()])


def connection() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(DATABASE, timeout=15)
        g.db.execute("PRAGMA journal_mode=WAL")
    return g.db


@app.teardown_appcontext
def close(_exc):
    db = g.pop("db", None)
    if db is not None:
        db.close()


@app.post("/sign")
@limiter.limit("5 per minute")
def sign():
    form = SignForm(data=request.get_json())
    if not form.validate():
        return {"errors": form.errors}, 422
    db = connection()
    try:
        db.execute(
            "INSERT INTO signatures (name, email, country, city) VALUES (?, ?, ?, ?)",
            (form.name.data, form.email.data.lower(), form.country.data, form.city.data or ""),
        )
        db.commit()
    except sqlite3.IntegrityError:
        pass
    return {"status": "pending_confirmation"}, 202


@app.get("/healthz")
def healthz():
    connection().execute("SELECT 1")
    return {"status": "ok"}


def create_schema() -> None:
    db = sqlite3.connect(DATABASE)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS signatures (id INTEGER PRIMARY KEY, name TEXT, "
               "email TEXT UNIQUE, country TEXT, city TEXT)")  # fmt: skip
    db.commit()
    db.close()
