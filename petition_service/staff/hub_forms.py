"""Forms of the organisation, members, coalition, case, languages and co-sponsor pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..petitions.models import CaseStatus, Organisation, Petition
from ..petitions.texts import PetitionTexts
from .hubs import CaseInput, OrganisationInput, TextInput
from .validators import Printable

ROLE_CHOICES = [SelectChoice("staff", _l("Staff")), SelectChoice("admin", _l("Administrator"))]


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), Printable()])
    description = TextAreaField(
        _l("About the organisation"), validators=[Optional(), Length(max=5000)]
    )
    website = StringField(_l("Website"), validators=[Optional(), Length(max=500)])
    contact_email = StringField(
        _l("Reply-to address for signers' mail"), validators=[Optional(), Length(max=320)]
    )
    is_public = BooleanField(_l("Public page, listed on the home page"))

    @classmethod
    def for_organisation(cls, organisation: Organisation) -> OrganisationForm:
        return cls(
            data={
                "name": organisation.name,
                "description": organisation.description,
                "website": organisation.website or "",
                "contact_email": organisation.contact_email or "",
                "is_public": organisation.is_public,
            }
        )

    def to_input(self) -> OrganisationInput:
        return OrganisationInput(
            name=self.name.data or "",
            description=self.description.data or "",
            website=self.website.data,
            contact_email=self.contact_email.data,
            is_public=bool(self.is_public.data),
        )


class MemberForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="staff")


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class InviteForm(FlaskForm):
    slug = StringField(
        _l("Address (slug) of the organisation to invite"),
        validators=[DataRequired(), Length(max=64)],
    )


_CASE_STATUS_CHOICES = [
    SelectChoice("", _l("Not set")),
    SelectChoice(CaseStatus.DETAINED.value, _l("Detained")),
    SelectChoice(CaseStatus.ON_TRIAL.value, _l("On trial")),
    SelectChoice(CaseStatus.SENTENCED.value, _l("Sentenced")),
    SelectChoice(CaseStatus.HOUSE_ARREST.value, _l("Under house arrest")),
    SelectChoice(CaseStatus.MISSING.value, _l("Whereabouts unknown")),
    SelectChoice(CaseStatus.RELEASED.value, _l("Released")),
]


class CaseForm(FlaskForm):
    person_name = StringField(_l("Name of the person"), validators=[Optional(), Length(max=200)])
    case_status = SelectField(_l("Status"), choices=_CASE_STATUS_CHOICES, default="")
    detained_on = DateField(_l("Arrested on"), validators=[Optional()])
    trial_on = DateField(_l("Trial on"), validators=[Optional()])
    sentenced_on = DateField(_l("Sentenced on"), validators=[Optional()])
    released_on = DateField(_l("Released on"), validators=[Optional()])
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"))
    remove_photo = BooleanField(_l("Remove the photo"))

    @classmethod
    def for_petition(cls, petition: Petition) -> CaseForm:
        return cls(
            data={
                "person_name": petition.person_name,
                "case_status": petition.case_status.value if petition.case_status else "",
                "detained_on": petition.detained_on,
                "trial_on": petition.trial_on,
                "sentenced_on": petition.sentenced_on,
                "released_on": petition.released_on,
            }
        )

    def to_input(self) -> CaseInput:
        return CaseInput(
            person_name=self.person_name.data or "",
            case_status=CaseStatus(self.case_status.data) if self.case_status.data else None,
            detained_on=self.detained_on.data,
            trial_on=self.trial_on.data,
            sentenced_on=self.sentenced_on.data,
            released_on=self.released_on.data,
        )


class TranslationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300), Printable()])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=500), Printable()])
    story = TextAreaField(_l("Story"), validators=[Optional(), Length(max=20000)])
    letter_body = TextAreaField(
        _l("Letter"), validators=[DataRequired(), Length(max=20000), Printable()]
    )
    letter_closing = StringField(
        _l("Closing"), validators=[Optional(), Length(max=200), Printable()]
    )

    @classmethod
    def for_texts(cls, texts: PetitionTexts | None) -> TranslationForm:
        if texts is None:
            return cls()
        return cls(data={name: getattr(texts, name) for name in TextInput.__dataclass_fields__})

    def to_input(self) -> TextInput:
        return TextInput(
            title=self.title.data or "",
            summary=self.summary.data or "",
            story=self.story.data or "",
            letter_body=self.letter_body.data or "",
            letter_closing=self.letter_closing.data or "",
        )


class SponsorsForm(FlaskForm):
    sponsors = SelectMultipleField(
        _l("Co-sponsors"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
