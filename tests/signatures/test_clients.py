"""One client is one IPv4 address or one IPv6 /64, however it is written; a network (IPv4
/24, IPv6 /48) shares a further limit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import Signature
from petition_service.signatures.clients import identify
from tests.factories import make_petition
from tests.signatures.helpers import form_token, post_signature


@pytest.mark.parametrize(
    ("address", "client", "network"),
    [
        ("198.51.100.7", "198.51.100.7", "198.51.100.0/24"),
        ("::ffff:198.51.100.7", "198.51.100.7", "198.51.100.0/24"),
        ("2001:db8::1", "2001:db8::/64", "2001:db8::/48"),
        ("2001:DB8::1", "2001:db8::/64", "2001:db8::/48"),
        ("2001:db8:0:0:0:0:0:1", "2001:db8::/64", "2001:db8::/48"),
        ("2001:db8:0:0:ffff:ffff:ffff:ffff", "2001:db8::/64", "2001:db8::/48"),
        ("2001:db8:0:1::1", "2001:db8:0:1::/64", "2001:db8::/48"),
        ("fe80::1%eth0", "fe80::/64", "fe80::/48"),
        ("not an address", "other:not an address", "other:not an address"),
    ],
)
def test_addresses_are_normalised_to_their_client_and_network(address, client, network):
    identity = identify(address)
    assert (identity.client, identity.network) == (client, network)


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition()
        db.session.commit()
        return petition.slug


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Signature))


def _sign_from(client, slug, addresses, token):
    return [
        post_signature(client, slug, address=address, token=token,
                       email=f"n{number}-{abs(hash(address))}@example.org").status_code
        for number, address in enumerate(addresses)
    ]  # fmt: skip


def test_every_address_of_one_ipv6_64_is_one_client(app, client, slug):
    token = form_token(client, slug)
    addresses = [f"2001:db8:1:2::{number:x}" for number in range(1, 61)]
    statuses = _sign_from(client, slug, addresses, token)
    # The default burst rule: one per 10 seconds for the whole /64.
    assert statuses[0] == 303 and set(statuses[1:]) == {429}
    assert _count(app) == 1


@pytest.mark.parametrize(
    "spellings",
    [
        ["2001:db8::1", "2001:DB8::1", "2001:db8:0:0:0:0:0:1"],
        ["198.51.100.7", "::ffff:198.51.100.7"],
    ],
)
def test_one_address_written_differently_is_one_client(app, client, slug, spellings):
    assert _sign_from(client, slug, spellings, form_token(client, slug)) == [303] + [429] * (
        len(spellings) - 1
    )


def test_many_64s_of_one_48_share_the_network_limit(app, client, slug, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_LIMIT_PER_NETWORK", "20 per minute; 200 per hour")
    addresses = [f"2001:db8:7:{number:x}::1" for number in range(150)]
    statuses = _sign_from(client, slug, addresses, form_token(client, slug))
    assert statuses.count(303) == 20 and statuses[:20] == [303] * 20
    assert set(statuses[20:]) == {429}
    # Another /48 is another network.
    assert _sign_from(client, slug, ["2001:db8:8::1"], form_token(client, slug)) == [303]


def test_many_addresses_of_one_ipv4_24_share_the_network_limit(app, client, slug):
    addresses = [f"203.0.113.{number}" for number in range(1, 151)]
    statuses = _sign_from(client, slug, addresses, form_token(client, slug))
    # The default SIGN_LIMIT_PER_NETWORK: 20 a minute for the whole /24, per petition.
    assert statuses.count(303) == 20
    assert _count(app) == 20


def test_the_network_is_stored_only_as_a_keyed_hash(app, client, slug):
    post_signature(client, slug, address="2001:db8:5:6::1")
    with app.app_context():
        signature = db.session.scalar(select(Signature))
        assert len(signature.network_hash) == 32 and len(signature.client_hash) == 32
        assert "2001" not in signature.network_hash + signature.client_hash
        assert signature.network_hash != signature.client_hash
