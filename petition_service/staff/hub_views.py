"""Staff pages for the organisation, its staff and coalitions, and a petition's case,
languages and co-sponsors (administrators only).

These routes join the staff blueprint (views.py imports this module), so the blueprint's
authentication runs before each of them, and every lookup goes through scoping.py.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, flash, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from ..errors import NotFoundError
from ..extensions import db
from ..i18n import LANGUAGE_NAMES
from ..organisations.service import sponsor_candidates
from ..petitions.models import CoalitionMembership, MembershipStatus, Organisation, Petition
from ..petitions.texts import TEXT_LANGUAGES, translation_texts
from ..sharing.photos import PhotoError, process_photo
from . import hubs, service
from .forms import PasswordForm, PlainForm
from .hub_forms import (
    CaseForm,
    InviteForm,
    MemberForm,
    OrganisationForm,
    RoleForm,
    SponsorsForm,
    TranslationForm,
)
from .manage import FieldError
from .models import StaffRole, StaffUser
from .scoping import (
    current_organisation,
    current_staff_user,
    member_for_staff,
    membership_of_our_coalition,
    membership_of_ours,
    petition_for_staff,
)
from .views import _field_error, _require_admin, _saved, _see_other, bp

# Forms that carry more than the app-wide 64 KiB body limit allows: a photo, and a whole
# petition's texts in Vietnamese (each letter up to nine bytes once form-encoded).
LARGE_BODY_ENDPOINTS = {"staff.petition_case": "PHOTO_MAX_BYTES",
                        "staff.petition_texts": "STAFF_FORM_MAX_BYTES"}  # fmt: skip


@bp.before_app_request
def _allow_large_bodies() -> None:
    # Runs before the staff blueprint's own hooks, which read the form (CSRF check).
    setting = LARGE_BODY_ENDPOINTS.get(request.endpoint or "")
    if setting:
        request.max_content_length = current_app.config[setting]


# --- the organisation ------------------------------------------------------------------


@bp.route("/organisation", methods=["GET", "POST"])
def organisation_settings():
    _require_admin()
    organisation = current_organisation()
    form = (
        OrganisationForm()
        if request.method == "POST"
        else OrganisationForm.for_organisation(organisation)
    )
    if form.validate_on_submit() and _saved(
        form, lambda: hubs.update_organisation(organisation, form.to_input())
    ):
        return _see_other("staff.organisation_settings")
    code = 422 if form.errors else 200
    return render_template("staff/organisation.html", form=form), code


# --- staff members ---------------------------------------------------------------------


def _render_members(
    form: MemberForm | None = None,
    issued: hubs.NewMember | None = None,
    code: int = 200,
    *,
    password_form: PasswordForm | None = None,
    password_for: int | None = None,
) -> Response:
    response = current_app.make_response(
        (
            render_template(
                "staff/members.html",
                form=form or MemberForm(),
                issued=issued,
                members=hubs.list_members(current_organisation()),
                role_form=RoleForm(),
                button_form=PlainForm(),
                password_form=password_form or PasswordForm(),
                password_for=password_for,
            ),
            code,
        )
    )
    # A new member's first password is on this page only: no cache may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


def _member_for_admin(user_id: int) -> StaffUser:
    _require_admin()
    return member_for_staff(user_id)


@bp.route("/members", methods=["GET", "POST"])
def members():
    _require_admin()
    form = MemberForm()
    issued = None
    if form.validate_on_submit():
        try:
            issued = hubs.add_member(
                current_organisation(), form.email.data, form.name.data or "",
                StaffRole(form.role.data),
            )  # fmt: skip
        except FieldError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            db.session.commit()
            form = MemberForm(formdata=None)
    return _render_members(form, issued, 422 if form.errors else 200)


@bp.post("/members/<int:user_id>/role")
def member_role(user_id: int):
    user = _member_for_admin(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        hubs.set_role(current_staff_user(), user, StaffRole(form.role.data))
        db.session.commit()
        flash(_("%(email)s is now %(role)s.", email=user.email, role=user.role.value))
    return _see_other("staff.members")


@bp.post("/members/<int:user_id>/<any(deactivate, reactivate, 'end-sessions'):action>")
def member_action(user_id: int, action: str):
    """Deactivating, or ending a member's access, ends every session and API token at once."""
    member = _member_for_admin(user_id)
    if PlainForm().validate_on_submit():
        if action == "deactivate":
            hubs.check_can_deactivate(current_staff_user(), member)
            service.deactivate(member)
            flash(_("%(email)s can no longer log in; their sessions and tokens have ended.",
                    email=member.email))  # fmt: skip
        elif action == "reactivate":
            service.reactivate(member)
            flash(_("%(email)s may log in again.", email=member.email))
        else:
            service.end_all_access(member)
            flash(_("Every session and token of %(email)s has ended.", email=member.email))
        db.session.commit()
    return _see_other("staff.members")


@bp.post("/members/<int:user_id>/password")
def member_password(user_id: int):
    member = _member_for_admin(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        service.set_password(member, form.password.data)
        db.session.commit()
        flash(_("The password of %(email)s was changed; their sessions and tokens have ended.",
                email=member.email))  # fmt: skip
        return _see_other(
            "staff.login" if member.id == current_staff_user().id else "staff.members"
        )
    return _render_members(code=422, password_form=form, password_for=member.id)


# --- coalitions ------------------------------------------------------------------------


@bp.route("/coalition", methods=["GET", "POST"])
def coalition():
    """Our member organisations (invite, remove) and the coalitions we are in."""
    _require_admin()
    organisation = current_organisation()
    form = InviteForm()
    if form.validate_on_submit() and _saved(
        form,
        lambda: hubs.invite_member(organisation, form.slug.data),
        _("The invitation was sent: it counts once the organisation accepts it."),
    ):
        return _see_other("staff.coalition")
    return render_template(
        "staff/coalition.html",
        form=form,
        members=hubs.coalition_members(organisation),
        joined=hubs.coalitions_joined(organisation),
        button_form=PlainForm(),
        active=MembershipStatus.ACTIVE,
    ), (422 if form.errors else 200)


@bp.post("/coalition/members/<int:member_id>/remove")
def coalition_remove(member_id: int):
    return _change_membership(
        membership_of_our_coalition(member_id),
        hubs.end_membership,
        _("The organisation is no longer a member."),
    )


@bp.post("/coalition/joined/<int:coalition_id>/accept")
def coalition_accept(coalition_id: int):
    return _change_membership(
        membership_of_ours(coalition_id),
        hubs.accept_invitation,
        _("Your organisation is now a member of the coalition."),
    )


@bp.post("/coalition/joined/<int:coalition_id>/leave")
def coalition_leave(coalition_id: int):
    return _change_membership(
        membership_of_ours(coalition_id),
        hubs.end_membership,
        _("Your organisation left the coalition."),
    )


def _change_membership(
    membership: CoalitionMembership, change: Callable[[CoalitionMembership], None], done: str
) -> WerkzeugResponse:
    """A button of the coalition page: the membership is looked up first (another
    organisation's is a 404, for anyone), then only administrators may change it."""
    _require_admin()
    if PlainForm().validate_on_submit():
        change(membership)
        db.session.commit()
        flash(done)
    return _see_other("staff.coalition")


# --- a petition's case, languages and co-sponsors --------------------------------------


@bp.route("/petitions/<slug>/case", methods=["GET", "POST"])
def petition_case(slug: str):
    """The person the petition is about: name, status, dates and photo."""
    petition = petition_for_staff(slug)
    _require_admin()
    form = CaseForm() if request.method == "POST" else CaseForm.for_petition(petition)
    if form.validate_on_submit():
        if _saved(form, lambda: _update_case(petition, form)):
            return _see_other("staff.petition", slug=petition.slug)
        petition = petition_for_staff(slug)
    return render_template("staff/case_form.html", form=form, petition=petition), (
        422 if form.errors else 200
    )


def _update_case(petition: Petition, form: CaseForm) -> None:
    """The case's fields, then its photo: one that cannot be read is the photo field's
    error."""
    try:
        processed = None
        upload = form.photo.data
        if upload and getattr(upload, "filename", ""):
            processed = process_photo(upload.read())
        hubs.update_case(petition, form.to_input())
        if processed is not None:
            hubs.set_photo(petition, processed)
        elif form.remove_photo.data:
            hubs.remove_photo(petition)
    except PhotoError as exc:
        raise FieldError("photo", str(exc)) from exc


def _translation_language(petition: Petition, lang: str) -> str:
    # Anything but another language of the service names no page at all.
    if lang not in TEXT_LANGUAGES or lang == petition.language:
        raise NotFoundError("This petition cannot be translated into that language.")
    return lang


@bp.route("/petitions/<slug>/texts/<lang>", methods=["GET", "POST"])
def petition_texts(slug: str, lang: str):
    """The petition's title, summary, story, letter and closing in another language."""
    petition = petition_for_staff(slug)
    language = _translation_language(petition, lang)
    _require_admin()
    existing = hubs.translation_of(petition, language)
    if request.method == "POST":
        form = TranslationForm()
    else:
        form = TranslationForm.for_texts(translation_texts(existing) if existing else None)
    if form.validate_on_submit():
        if _saved(form, lambda: hubs.save_translation(petition, language, form.to_input())):
            return _see_other("staff.petition_edit", slug=petition.slug)
        petition = petition_for_staff(slug)
    return render_template(
        "staff/translation_form.html",
        form=form,
        petition=petition,
        language=language,
        language_name=LANGUAGE_NAMES[language],
        exists=existing is not None,
        delete_form=PlainForm(),
    ), (422 if form.errors else 200)


@bp.post("/petitions/<slug>/texts/<lang>/delete")
def petition_texts_delete(slug: str, lang: str):
    petition = petition_for_staff(slug)
    language = _translation_language(petition, lang)
    _require_admin()
    if PlainForm().validate_on_submit():
        hubs.delete_translation(petition, language)
        db.session.commit()
        flash(_("The translation was removed."))
    return _see_other("staff.petition_edit", slug=petition.slug)


def _sponsor_choices(petition: Petition) -> list[tuple[int, str]]:
    candidates: dict[int, Organisation] = {
        o.id: o for o in sponsor_candidates(petition.organisation_id)
    }
    for sponsorship in petition.sponsorships:  # kept even if it left the coalition since
        candidates.setdefault(sponsorship.organisation_id, sponsorship.organisation)
    return [(o.id, o.name) for o in candidates.values()]


@bp.route("/petitions/<slug>/sponsors", methods=["GET", "POST"])
def petition_sponsors(slug: str):
    """Which organisations of the owner's coalitions co-sponsor the petition."""
    petition = petition_for_staff(slug)
    _require_admin()
    form = SponsorsForm()
    form.sponsors.choices = _sponsor_choices(petition)
    if request.method == "GET":
        form.sponsors.data = [s.organisation_id for s in petition.sponsorships]
    if form.validate_on_submit():
        if _saved(form, lambda: hubs.set_sponsors(petition, form.sponsors.data or [])):
            return _see_other("staff.petition", slug=petition.slug)
        petition = petition_for_staff(slug)
    return render_template("staff/sponsors_form.html", form=form, petition=petition), (
        422 if form.errors else 200
    )
