"""Staff pages. Each view validates, calls one service function, commits once, responds.

Authentication and the organisation are settled before any of these runs (see auth.py);
every lookup goes through scoping.py, so another organisation's data is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse

from ..errors import ConflictError, ForbiddenError, wants_json
from ..extensions import db
from ..letters.batches import (
    BatchError,
    NothingToBatch,
    batch_zip_name,
    ensure_batch_zip,
    freeze_batch,
    queue_batch_render,
)
from ..petitions.models import Petition
from ..petitions.service import count_cache
from ..signatures.countries import country_name
from ..signatures.retention import retention_plan
from ..updates.models import UpdateKind
from . import auth, batches, exports, flood, manage, moderation, service, stats, throttle
from .charts import daily_chart, horizontal_chart
from .forms import (
    BatchForm,
    DeliveryForm,
    InvalidateForm,
    LoginForm,
    PetitionForm,
    PlainForm,
    RecipientForm,
    SearchForm,
    StatusForm,
    TokenForm,
)
from .scoping import (
    batch_for_reader,
    batch_for_staff,
    current_organisation,
    current_staff_user,
    owns,
    petition_for_reader,
    petition_for_staff,
    recipient_for_staff,
    token_for_staff,
)

bp = Blueprint("staff", __name__, url_prefix="/staff")
# First hooks of the blueprint: no staff route runs before authentication has set
# g.staff_user and g.organisation, which scoping.py filters every query by.
bp.before_request(auth.authenticate_staff_request)
bp.after_request(auth.keep_token_requests_stateless)

CHART_DAYS = (30, 60)


def _require_admin() -> None:
    if not current_staff_user().is_admin:
        raise ForbiddenError(_("Only an administrator of your organisation can do this."))


def _see_other(endpoint: str, **values: Any) -> WerkzeugResponse:
    return redirect(url_for(endpoint, **values), 303)


def _field_error(form: FlaskForm, exc: manage.FieldError) -> None:
    """Show a service's refusal beside the field it is about."""
    getattr(form, exc.field).errors.append(str(exc))


def _saved(form: FlaskForm, change: Callable[[], object], done: str | None = None) -> bool:
    """Make a valid form's change: committed, with ``done`` flashed ("Your changes were
    saved."), True; or refused by the service (`FieldError`): rolled back, the refusal shown
    beside its field, False. After a refusal the caller looks up again what the page shows
    (the rollback expired it)."""
    try:
        change()
    except manage.FieldError as exc:
        db.session.rollback()
        _field_error(form, exc)
        return False
    db.session.commit()
    flash(done or _("Your changes were saved."))
    return True


# --- login ---------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET" and current_user.is_authenticated:
        return _see_other("staff.dashboard")
    form = LoginForm()
    if form.validate_on_submit():
        # Checked before the password is: an address that has failed too often waits.
        throttle.check_login_allowed(form.email.data)
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            auth.start_session(user)
            db.session.commit()
            return redirect(auth.safe_next(request.args.get("next")), 303)
        throttle.record_login_failure(form.email.data)
        form.form_errors.append(_("Wrong email or password."))
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
def logout():
    """Ends this session for good (and the member's others): the cookie is refused after."""
    auth.end_session()
    db.session.commit()
    return _see_other("staff.login")


# --- dashboard and petitions ---------------------------------------------------------


@bp.get("/")
def dashboard():
    summaries = stats.petition_summaries(current_organisation().id)
    sponsored = stats.sponsored_summaries(current_organisation().id)
    if wants_json():
        return jsonify([summary.as_json() for summary in summaries])
    return render_template("staff/dashboard.html", summaries=summaries, sponsored=sponsored)


def _country_name(code: str) -> str:
    if not code:
        return _("Other countries")
    return country_name(code, str(get_locale() or "en"))


def _render_petition(petition: Petition, status_form: StatusForm | None = None, code: int = 200):
    days = request.args.get("days", type=int)
    days = days if days in CHART_DAYS else CHART_DAYS[0]
    countries = stats.confirmed_by_country(petition.id)
    news = loop.petition_page_context(petition)
    status_form = status_form or StatusForm()
    # Offer only the moves the petition can make from where it is now.
    allowed = manage.allowed_actions(petition)
    status_form.action.choices = [c for c in status_form.action.choices if c.value in allowed]
    return (
        render_template(
            "staff/petition.html",
            petition=petition,
            counts=stats.petition_counts(petition),
            days=days,
            chart_days=CHART_DAYS,
            daily=daily_chart(stats.daily_confirmed(petition.id, days)),
            countries=horizontal_chart([(_country_name(c), n) for c, n in countries]),
            batches=stats.petition_batches(petition.id),
            flood=flood.flood_report(petition.id, petition.created_at),
            displays=stats.confirmed_by_display(petition.id),
            retention=retention_plan(petition),
            protected=[_country_name(code) for code in petition.protected_countries or []],
            waiting=stats.waiting_for_batch(petition.id),
            batch_form=BatchForm(),
            status_form=status_form,
            base_url=current_app.config["PUBLIC_BASE_URL"],
            **news,
            # A co-sponsor's staff read the counts and batches; only the owner's change them.
            owner=owns(petition),
        ),
        code,
    )


@bp.get("/petitions/<slug>")
def petition(slug: str):
    found = petition_for_reader(slug)
    if wants_json():
        return jsonify(stats.petition_summary(found).as_json())
    return _render_petition(found)


@bp.route("/petitions/new", methods=["GET", "POST"])
def petition_new():
    _require_admin()
    form = PetitionForm()
    if form.validate_on_submit():
        try:
            created = manage.create_petition(current_organisation(), form.to_input())
        except manage.FieldError as exc:
            _field_error(form, exc)
        else:
            db.session.commit()
            flash(_("The petition was created as a draft."))
            return _see_other("staff.petition", slug=created.slug)
    code = 422 if form.errors else 200
    return render_template("staff/petition_form.html", form=form, petition=None), code


@bp.route("/petitions/<slug>/edit", methods=["GET", "POST"])
def petition_edit(slug: str):
    petition = petition_for_staff(slug)
    _require_admin()
    form = PetitionForm() if request.method == "POST" else PetitionForm.for_petition(petition)
    if form.validate_on_submit():
        if _saved(form, lambda: manage.update_petition(petition, form.to_input())):
            return _see_other("staff.petition", slug=petition.slug)
        petition = petition_for_staff(slug)
    code = 422 if form.errors else 200
    return render_template("staff/petition_form.html", form=form, petition=petition), code


@bp.post("/petitions/<slug>/status")
def petition_status(slug: str):
    petition = petition_for_staff(slug)
    _require_admin()
    form = StatusForm()
    if form.validate_on_submit():
        message = form.update_message.data or ""
        try:
            manage.change_status(petition, form.action.data, message)
            victory = form.action.data == "victory"
            announced = loop.announce(
                petition,
                form,
                message,
                UpdateKind.VICTORY if victory else UpdateKind.NEWS,
                loop.prefill.victory_subject(petition) if victory else petition.title,
            )
        except manage.FieldError as exc:
            _field_error(form, exc)
        else:
            db.session.commit()
            count_cache.clear()
            if announced is not None:
                loop.updates.nudge()
            flash(_("The petition is now %(status)s.", status=petition.status.value))
            return _see_other("staff.petition", slug=petition.slug)
    return _render_petition(petition, form, 422)


# --- recipients ----------------------------------------------------------------------


@bp.route("/petitions/<slug>/recipients/new", methods=["GET", "POST"])
def recipient_new(slug: str):
    petition = petition_for_staff(slug)
    _require_admin()
    form = RecipientForm()
    if request.method == "GET":
        form.language.data = petition.language  # officials most often read the petition's
    if form.validate_on_submit():
        manage.add_recipient(petition, form.to_input())
        db.session.commit()
        return _see_other("staff.petition_edit", slug=petition.slug)
    code = 422 if form.errors else 200
    return render_template(
        "staff/recipient_form.html", form=form, petition=petition, recipient=None
    ), code


@bp.route("/petitions/<slug>/recipients/<int:recipient_id>/edit", methods=["GET", "POST"])
def recipient_edit(slug: str, recipient_id: int):
    recipient = recipient_for_staff(slug, recipient_id)
    _require_admin()
    if request.method == "POST":
        form = RecipientForm()
    else:
        form = RecipientForm(obj=recipient)
        form.order.data = recipient.petition.recipients.index(recipient) + 1
    if form.validate_on_submit():
        manage.update_recipient(recipient, form.to_input())
        db.session.commit()
        return _see_other("staff.petition_edit", slug=slug)
    code = 422 if form.errors else 200
    return render_template(
        "staff/recipient_form.html", form=form, petition=recipient.petition, recipient=recipient
    ), code


@bp.post("/petitions/<slug>/recipients/<int:recipient_id>/delete")
def recipient_delete(slug: str, recipient_id: int):
    recipient = recipient_for_staff(slug, recipient_id)
    _require_admin()
    if PlainForm().validate_on_submit():
        manage.remove_recipient(recipient)
        db.session.commit()
    return _see_other("staff.petition_edit", slug=slug)


# --- moderation and export -----------------------------------------------------------


@bp.get("/petitions/<slug>/signatures")
def signatures(slug: str):
    petition = petition_for_staff(slug)
    form = SearchForm(formdata=request.args)
    page = max(request.args.get("page", 1, type=int), 1)
    valid = form.validate()
    result = moderation.search_signatures(petition, form.criteria(), page) if valid else None
    return render_template(
        "staff/signatures.html",
        petition=petition,
        form=form,
        result=result,
        page=page,
        page_size=moderation.PAGE_SIZE,
        counts=stats.petition_counts(petition),
    ), (200 if valid else 422)


@bp.post("/petitions/<slug>/signatures/invalidate")
def signatures_invalidate(slug: str):
    petition = petition_for_staff(slug)
    form = InvalidateForm()
    if not form.validate_on_submit():
        return render_template(
            "staff/invalidate.html", petition=petition, form=form, preview=None
        ), 422
    criteria, ids = form.selection()
    if criteria is not None and criteria.is_empty():
        form.scope.errors.append(_("Narrow the search before invalidating all matches."))
        return render_template(
            "staff/invalidate.html", petition=petition, form=form, preview=None
        ), 422
    if form.confirm.data != "yes":
        preview = moderation.preview_invalidation(petition, criteria, ids)
        return render_template(
            "staff/invalidate.html", petition=petition, form=form, preview=preview
        )
    changed = moderation.invalidate_signatures(petition, form.reason.data or "", criteria, ids)
    db.session.commit()
    # The public count is cached per process for a few seconds; this process forgets it now.
    count_cache.clear()
    flash(_("%(n)s signatures were invalidated.", n=changed))
    return _see_other("staff.signatures", slug=petition.slug)


@bp.get("/petitions/<slug>/signatures.csv")
def signatures_csv(slug: str):
    petition = petition_for_staff(slug)
    return Response(
        stream_with_context(exports.signature_csv(petition.id)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{exports.csv_filename(petition)}"',
            "Cache-Control": "no-store",
        },
    )


# --- batches -------------------------------------------------------------------------


@bp.post("/petitions/<slug>/batches")
def create_batch(slug: str):
    """Freeze the waiting signatures into a batch; a background job renders it."""
    petition = petition_for_staff(slug)
    form = BatchForm()
    if not form.validate_on_submit():
        if wants_json():
            return jsonify({"errors": form.errors}), 422
        flash(_("Choose how the batch should be laid out."))
        return _see_other("staff.petition", slug=slug)
    try:
        created = freeze_batch(petition, form.mode.data, created_by=current_staff_user())
    except NothingToBatch as exc:
        # The service's message names the slug for operators; staff get it in their language.
        raise NothingToBatch(
            _("No confirmed signatures are waiting: every one is in an earlier batch.")
        ) from exc
    db.session.commit()
    queue_batch_render(created.id)
    location = url_for("staff.batch", batch_id=created.id)
    if wants_json():
        body = {**batches.batch_progress(created), "url": location}
        body = {key: body[key] for key in ("id", "status", "url", "done", "total")}
        return jsonify(body), 202, {"Location": location}
    return _render_batch_page(created), 202, {"Location": location}


@bp.get("/batches/<int:batch_id>/download")
def download_batch(batch_id: int):
    found = batch_for_staff(batch_id)
    try:
        archive = ensure_batch_zip(found)
    except BatchError as exc:
        raise ConflictError(_("This batch is not ready yet: it is %(status)s.",
                              status=found.status.value)) from exc  # fmt: skip
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=batch_zip_name(found), max_age=0)  # fmt: skip


def _render_batch_page(found, form: DeliveryForm | None = None, delivered_by: str | None = None):
    return render_template(
        "staff/batch.html",
        batch=found,
        owner=owns(found.petition),
        in_progress=found.status in batches.IN_PROGRESS,
        delivered_by=delivered_by,
        **loop.batch_page_context(found, form),
    )


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int):
    found = batch_for_reader(batch_id)
    if wants_json():
        return jsonify(batches.batch_progress(found))
    return _render_batch_page(found, delivered_by=batches.batch_delivered_by(found))


@bp.post("/batches/<int:batch_id>/delivered")
def batch_delivered(batch_id: int):
    found = batch_for_staff(batch_id)
    form = DeliveryForm()
    if not form.validate_on_submit():
        if wants_json():
            return jsonify({"errors": form.errors}), 422
        return _render_batch_page(found, form), 422
    batches.mark_delivered(
        found, form.delivered_on.data, form.channel.data, form.note.data or "", current_staff_user()
    )
    subject, body = loop.prefill.delivery_update(found)
    announced = loop.announce(
        found.petition, form, form.update_body.data or body, UpdateKind.DELIVERY, subject
    )
    db.session.commit()
    if announced is not None:
        loop.updates.nudge()
    if wants_json():
        return jsonify(batches.delivery_record(found))
    flash(_("The delivery was recorded."))
    return _see_other("staff.batch", batch_id=found.id)


# --- API tokens ----------------------------------------------------------------------


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    form = TokenForm()
    issued = None
    if form.validate_on_submit():
        issued = service.issue_token_for(current_staff_user(), form.name.data or "")
        db.session.commit()
    response = Response(
        render_template(
            "staff/tokens.html",
            form=form,
            issued=issued,
            tokens=service.list_api_tokens(current_staff_user()),
            revoke_form=PlainForm(),
        )
    )
    # The new secret is on this page only: no cache may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tokens/<int:token_id>/revoke")
def token_revoke(token_id: int):
    token = token_for_staff(token_id)
    if PlainForm().validate_on_submit():
        service.revoke_api_token(token)
        db.session.commit()
        flash(_("The token was revoked."))
    return _see_other("staff.tokens")


# Routes for updates and delivering by email live in their own module, on this blueprint.
# The pages for the organisation, its staff and coalitions, and a petition's case, languages
# and co-sponsors: on this blueprint, behind the same authentication.
from . import hub_views  # noqa: E402, F401
from . import updates as loop  # noqa: E402
