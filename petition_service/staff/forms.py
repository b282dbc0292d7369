"""Staff forms. Every one posted by a browser carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..i18n import LANGUAGE_NAMES
from ..petitions.models import Petition
from ..signatures.models import SignatureStatus
from .batches import DELIVERY_CHANNELS
from .manage import LANGUAGES, PetitionInput, RecipientInput, parse_countries, parse_origins
from .moderation import SignatureFilter
from .validators import Printable

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
#: The languages a petition is written in and a recipient reads, each named in itself.
LANGUAGE_CHOICES = [SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]


def utc(value: datetime | None) -> datetime | None:
    """Form datetimes are entered (and shown) in UTC, labelled so on the page."""
    return value.replace(tzinfo=UTC) if value is not None else None


def shown(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None


class LoginForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class PasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=10, max=1000)]
    )


class PlainForm(FlaskForm):
    """A button that changes something: logout, revoke, remove. Only the CSRF token."""


class TokenForm(FlaskForm):
    name = StringField(_l("Label"), validators=[Optional(), Length(max=100)])


class PetitionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300), Printable()])
    slug = StringField(_l("Address (slug)"), validators=[DataRequired(), Length(max=100)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=500), Printable()])
    story = TextAreaField(_l("Story"), validators=[Optional(), Length(max=20000)])
    letter_body = TextAreaField(
        _l("Letter"), validators=[Optional(), Length(max=20000), Printable()]
    )
    letter_closing = StringField(
        _l("Closing"),
        default="Yours sincerely,",
        validators=[Optional(), Length(max=200), Printable()],
    )
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="en")
    goal = IntegerField(
        _l("Goal"), default=1000, validators=[InputRequired(), NumberRange(1, 100_000_000)]
    )
    opens_at = DateTimeLocalField(
        _l("Opens (UTC)"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Closes (UTC)"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    allowed_origins = TextAreaField(
        _l("Sites allowed to embed the form, one per line"),
        validators=[Optional(), Length(max=5000)],
    )

    protected_countries = StringField(
        _l("Protect signers from these countries (ISO codes, e.g. VN)"),
        validators=[Optional(), Length(max=1000)],
    )

    def validate_allowed_origins(self, field: TextAreaField) -> None:
        try:
            parse_origins(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_protected_countries(self, field: StringField) -> None:
        try:
            parse_countries(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def to_input(self) -> PetitionInput:
        return PetitionInput(
            title=self.title.data.strip(),
            slug=self.slug.data.strip(),
            summary=(self.summary.data or "").strip(),
            story=(self.story.data or "").strip(),
            letter_body=(self.letter_body.data or "").strip(),
            letter_closing=(self.letter_closing.data or "").strip(),
            language=self.language.data,
            goal=self.goal.data,
            opens_at=utc(self.opens_at.data),
            closes_at=utc(self.closes_at.data),
            allowed_origins=parse_origins(self.allowed_origins.data or ""),
            protected_countries=parse_countries(self.protected_countries.data or ""),
        )

    @classmethod
    def for_petition(cls, petition: Petition) -> PetitionForm:
        return cls(
            data={
                "title": petition.title,
                "slug": petition.slug,
                "summary": petition.summary,
                "story": petition.story,
                "letter_body": petition.letter_body,
                "letter_closing": petition.letter_closing,
                "language": petition.language,
                "goal": petition.goal,
                "opens_at": shown(petition.opens_at),
                "closes_at": shown(petition.closes_at),
                "allowed_origins": "\n".join(petition.allowed_origins or []),
                "protected_countries": " ".join(petition.protected_countries or []),
            }
        )


class RecipientForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), Printable()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200), Printable()])
    salutation = StringField(
        _l("Salutation"), validators=[Optional(), Length(max=200), Printable()]
    )
    postal_address = TextAreaField(
        _l("Postal address"), validators=[Optional(), Length(max=2000), Printable()]
    )
    email = StringField(_l("Email"), validators=[Optional(), Length(max=320)])
    language = SelectField(_l("Reads"), choices=LANGUAGE_CHOICES, default="en")
    order = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=1, max=1000)])

    def to_input(self) -> RecipientInput:
        return RecipientInput(
            name=self.name.data,
            title=self.title.data or "",
            salutation=self.salutation.data or "",
            postal_address=self.postal_address.data or "",
            email=self.email.data or None,
            order=self.order.data,
            language=self.language.data,
        )


# "0", "off" and "no" mean no, as scripts send them; WTForms counts only "false" and "".
FALSE_VALUES = (False, "false", "False", "", "0", "off", "no")


class SendUpdateFields:
    """Offered with a victory or a delivery: publish an update in the same step, and mail it."""

    send_update = BooleanField(
        _l("Also publish this as an update and email it to the signers who asked for news"),
        false_values=FALSE_VALUES,
    )
    update_subject = StringField(
        _l("Subject of the update"), validators=[Optional(), Length(max=200)]
    )


class StatusForm(SendUpdateFields, FlaskForm):
    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice("open", _l("Open")),
            SelectChoice("close", _l("Close")),
            SelectChoice("victory", _l("Victory")),
        ],
    )
    update_message = TextAreaField(_l("Update message"), validators=[Optional(), Length(max=5000)])


class UpdateForm(FlaskForm):
    """An update to the signers (the contract's fields: subject, body, send)."""

    kind = SelectField(
        _l("About"),
        choices=[
            SelectChoice("news", _l("News")),
            SelectChoice("answer", _l("An answer from the officials")),
            SelectChoice("delivery", _l("A delivery")),
            SelectChoice("victory", _l("A victory")),
        ],
        default="news",
    )
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=20000)])
    send = BooleanField(
        _l("Email it now to the signers who asked for news"), false_values=FALSE_VALUES
    )


_STATUS_CHOICES = [SelectChoice("", _l("Any status"))] + [
    SelectChoice(s.value) for s in SignatureStatus
]


class FilterFields:
    """The search criteria, shared by the search form (GET) and the invalidation (POST)."""

    name = StringField(_l("Name contains"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("Email contains"), validators=[Optional(), Length(max=320)])
    country = StringField(_l("Country (2 letters)"), validators=[Optional(), Length(min=2, max=2)])
    since = DateTimeLocalField(
        _l("Signed from (UTC)"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    until = DateTimeLocalField(
        _l("Signed before (UTC)"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    status = SelectField(_l("Status"), choices=_STATUS_CHOICES, default="", validators=[Optional()])
    domain = StringField(_l("Email domain"), validators=[Optional(), Length(max=255)])
    network = StringField(
        _l("Network (hash prefix)"), validators=[Optional(), Length(min=6, max=32)]
    )

    def criteria(self) -> SignatureFilter:
        return SignatureFilter(
            name=self.name.data or "",
            email=self.email.data or "",
            country=self.country.data or "",
            since=utc(self.since.data),
            until=utc(self.until.data),
            status=SignatureStatus(self.status.data) if self.status.data else None,
            domain=self.domain.data or "",
            network=self.network.data or "",
        )


class SearchForm(FilterFields, FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing


class InvalidateForm(FilterFields, FlaskForm):
    # "selected": the ticked ids; "matching": everything the search finds.
    scope = HiddenField(default="selected")
    ids = SelectMultipleField(coerce=int, validate_choice=False)
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])
    confirm = HiddenField()

    def validate_scope(self, field: HiddenField) -> None:
        if field.data not in ("selected", "matching"):
            raise ValidationError("Choose the selected signatures or all matching ones.")

    def selection(self) -> tuple[SignatureFilter | None, list[int] | None]:
        if self.scope.data == "matching":
            return self.criteria(), None
        return None, list(self.ids.data or [])


class BatchForm(FlaskForm):
    mode = SelectField(
        _l("Mode"),
        choices=[
            SelectChoice("letters", _l("One letter per signer")),
            SelectChoice("annex", _l("The letter once, with a table of signers")),
        ],
        default="letters",
    )


class DeliveryForm(SendUpdateFields, FlaskForm):
    delivered_on = DateField(
        _l("Delivered on"), default=lambda: datetime.now(UTC).date(), validators=[DataRequired()]
    )
    channel = SelectField(
        _l("How"), choices=[SelectChoice(c) for c in DELIVERY_CHANNELS], default="post"
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    update_body = TextAreaField(
        _l("Text of the update"), validators=[Optional(), Length(max=20000)]
    )
