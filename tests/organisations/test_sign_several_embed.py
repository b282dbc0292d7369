"""An organisation's form that signs several petitions, embedded on another site: where it
may be framed (where every petition it signs may be), and its answers inside the frame."""

from __future__ import annotations

import pytest

from tests.organisations.helpers import checkboxes, make_coalition, post_several


def _csp(response) -> str:
    return response.headers["Content-Security-Policy"]


A, B = "https://campaign.example.org", "https://friends.example.net"


@pytest.mark.parametrize(
    ("origins", "expected"),
    [
        (((), (), ()), "*"),  # every petition may be framed anywhere
        (((A, B), (B,), ()), B),  # the origins every restricting list shares
        (((A,), (A, B), (A, "javascript:alert(1)")), A),
        (((A,), (B,), ()), "'none'"),  # nothing in common: nobody may frame it
    ],
)
def test_it_may_be_framed_where_every_petition_it_signs_may(app, client, origins, expected):
    coalition = make_coalition(app, origins=origins)
    response = client.get(f"/o/{coalition.slug}/embed?lang=vi")
    assert response.status_code == 200
    assert _csp(response) == f"frame-ancestors {expected}"
    assert "X-Frame-Options" not in response.headers
    html = response.get_data(as_text=True)
    assert checkboxes(html) == dict.fromkeys(coalition.open, True)
    assert f'action="/o/{coalition.slug}/sign?lang=vi&amp;embed=1"' in html
    # The organisation's own page is never framed.
    page = client.get(f"/o/{coalition.slug}")
    assert _csp(page) == "frame-ancestors 'none'" and page.headers["X-Frame-Options"] == "DENY"


def test_its_answers_stay_in_the_frame(app, client):
    coalition = make_coalition(app, origins=((A,), (A,), ()))
    refused = post_several(client, coalition.slug, [], embed=True, lang="vi",
                           path="/o/{slug}/embed")  # fmt: skip
    assert refused.status_code == 422
    assert _csp(refused) == f"frame-ancestors {A}"
    assert 'class="embed"' in refused.get_data(as_text=True)

    signed = post_several(client, coalition.slug, coalition.open, embed=True, lang="vi",
                          email="frame@example.org")  # fmt: skip
    assert signed.status_code == 303
    assert signed.headers["Location"] == f"/o/{coalition.slug}/embed/thanks?lang=vi"
    thanks = client.get(signed.headers["Location"])
    assert _csp(thanks) == f"frame-ancestors {A}"
    assert f'data-signed-organisation="{coalition.slug}"' in thanks.get_data(as_text=True)


def test_an_unknown_organisation_is_not_framed(client):
    response = client.get("/o/no-such-organisation/embed")
    assert response.status_code == 404
    assert response.headers["X-Frame-Options"] == "DENY"
