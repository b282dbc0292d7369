"""Fuzzing the public API from its own OpenAPI document: whatever arrives, no 5xx, and every
answer matches what the document promises."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from petition_service.extensions import db
from tests.factories import make_organisation, make_petition

FUZZ_SLUG = "fuzz-open"


@pytest.fixture
def api_schema(app):
    with app.app_context():
        # One slug for every path: the petition's, and its organisation's.
        make_petition(slug=FUZZ_SLUG, organisation=make_organisation(slug=FUZZ_SLUG))
        db.session.commit()
    # The fuzzer is one fast client; rate limits would hide the validation paths.
    saved = app.config["SIGN_LIMITS_PER_CLIENT"]
    app.config["SIGN_LIMITS_PER_CLIENT"] = "100000 per second"
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    app.config["SIGN_LIMITS_PER_CLIENT"] = saved


def test_api_conforms_and_never_fails(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 8

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=50, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case):
            if "slug" in (case.path_parameters or {}):
                case.path_parameters["slug"] = FUZZ_SLUG
            # Schema-valid is not enough to sign: the form token must be one we issued and
            # the country a real ISO code, which JSON Schema cannot say.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
