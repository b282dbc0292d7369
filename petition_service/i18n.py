"""Languages: English and Vietnamese, chosen by `?lang=`, else the browser's Accept-Language.

Catalogs live in petition_service/translations/; `make translations` extracts new strings,
updates the catalogs and compiles them (the compiled .mo files are committed so a plain
`pip install` serves Vietnamese too; a test checks they match the .po files).
"""

from __future__ import annotations

from flask import Flask, g, request, url_for
from flask_babel import get_locale

from .extensions import babel

SUPPORTED_LANGUAGES = ("en", "vi")
DEFAULT_LANGUAGE = "en"
# Each language named in itself, for the language switch.
LANGUAGE_NAMES = {"en": "English", "vi": "Tiếng Việt"}


def request_language() -> str:
    requested = request.args.get("lang", "").strip().lower()
    if requested in SUPPORTED_LANGUAGES:
        return requested
    return request.accept_languages.best_match(SUPPORTED_LANGUAGES) or DEFAULT_LANGUAGE


def language_was_chosen() -> bool:
    """Whether the address names the language (`?lang=`), rather than the browser's
    Accept-Language picking it: the page's canonical URL depends on it."""
    return request.args.get("lang", "").strip().lower() in SUPPORTED_LANGUAGES


def select_locale() -> str:
    # A view (or a background task rendering a mail) may pin the language.
    forced = g.get("language")
    if forced:
        return forced
    if request:
        return request_language()
    return DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["url_with_language"] = url_with_language
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def url_with_language(language: str) -> str:
    """This page's address in `language`: the same view and arguments, `lang` replaced."""
    args = {**request.args.to_dict(flat=True), **(request.view_args or {}), "lang": language}
    args.pop("page", None)
    return url_for(request.endpoint or "organisations.index", **args)
