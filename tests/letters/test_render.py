"""Nothing a signer types can break a letter: escaping, the asset fetcher, missing glyphs."""

import io
import os
import shutil
import socket
import subprocess
import urllib.request
from dataclasses import replace

import pypdf
import pytest

import petition_service.letters.fetcher as fetcher_mod
from petition_service.letters.assemble import render_batch_pdf, render_batch_pdfs
from petition_service.letters.fetcher import AssetMissing, AssetRefused
from petition_service.letters.fonts import PLACEHOLDER, sanitize
from petition_service.letters.render import PackagedAssetFetcher
from tests.letters.helpers import CTX, RECIPIENTS, pdftotext_pages, signer

HOSTILE = [
    '<img src="http://127.0.0.1:9/x">',
    "https://evil.example/",
    "<link rel=stylesheet href='file:///etc/passwd'>",
    "<style>@import url(http://127.0.0.1:9/a.css)</style>",
    "{{ 7*7 }} & <b>bold</b>",
]


@pytest.fixture
def spy(monkeypatch):
    """Record every URL WeasyPrint asks for and forbid network access."""
    calls = []
    real_fetch = PackagedAssetFetcher.fetch

    def fetch(self, url, headers=None):
        calls.append(url)
        return real_fetch(self, url, headers)

    def no_network(*a, **k):
        calls.append(("NETWORK", a))
        raise AssertionError("network access attempted")

    monkeypatch.setattr(PackagedAssetFetcher, "fetch", fetch)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return calls


def test_hostile_strings_print_literally_and_fetch_nothing(spy, tmp_path):
    ctx = replace(
        CTX,
        letter_paragraphs=CTX.letter_paragraphs + (HOSTILE[0] + " " + HOSTILE[3],),
        organisation="Org <script>alert(1)</script>",
    )
    recipient = replace(
        RECIPIENTS[0],
        name='Director <img src="http://127.0.0.1:9/r">',
        postal_address="1 Main St\n<iframe src=https://evil.example/>",
    )
    signers = [
        signer(i, name, city="<b>City</b>", country="https://evil.example/c")
        for i, name in enumerate(HOSTILE, start=1)
    ]
    for mode in ("letters", "annex"):
        path = tmp_path / f"{mode}.pdf"
        with open(path, "wb") as out:
            res = render_batch_pdf(ctx, recipient, signers, len(signers), mode, out)
        assert res.degraded_names == []
        pages = pdftotext_pages(path)
        text = "\n".join(pages)
        flat = " ".join(text.split())
        for name in HOSTILE:
            assert " ".join(name.split()) in flat, name
        assert 'Director <img src="http://127.0.0.1:9/r">' in flat
        assert "<iframe src=https://evil.example/>" in flat
        assert "Org <script>alert(1)</script>" in flat
        assert "{{ 7*7 }}" in flat and "49" not in flat
    assert spy, "fetcher was never used (stylesheet/fonts)"
    assert all(isinstance(u, str) and u.startswith("letters-asset:") for u in spy), spy
    assert not any("evil" in u or "127.0.0.1" in u for u in spy if isinstance(u, str))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "https://evil.example/",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "ftp://x/y",
        "letters-asset:../render.py",
        "letters-asset:/../../etc/passwd",
        "fonts/NotoSerif-Regular.ttf",
    ],
)
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(AssetRefused):
        PackagedAssetFetcher().fetch(url)


def test_fetcher_serves_assets():
    r = PackagedAssetFetcher().fetch("letters-asset:fonts/NotoSerif-Regular.ttf")
    assert r.read(4) == b"\x00\x01\x00\x00"
    with pytest.raises(AssetMissing):
        PackagedAssetFetcher().fetch("letters-asset:fonts/Nope.ttf")


def test_missing_asset_fails_loudly(monkeypatch, tmp_path):
    assets = tmp_path / "assets"
    shutil.copytree(fetcher_mod.ASSET_DIR, assets)
    os.remove(assets / "fonts" / "NotoSerif-Bold.ttf")
    monkeypatch.setattr(fetcher_mod, "ASSET_DIR", assets)
    with pytest.raises(AssetMissing):
        render_batch_pdf(CTX, RECIPIENTS[0], [signer(1, "A")], 1, "letters", io.BytesIO())


def test_missing_glyphs_degrade_visibly_and_are_reported(tmp_path):
    bad = ["王小明", "محمد علي", "Anna 🙂 Berg", "Ærøskøbing \u200b Zero"]
    good = ["Trần Thị Nga", "Łukasz Wójcik"]
    signers = [signer(i, n) for i, n in enumerate(bad + good, start=1)]
    signers.append(signer(len(signers) + 1, "Lena Ek", city="東京", country="日本"))
    recipient = replace(RECIPIENTS[0], name="Nguyễn Phú Trọng 阮富仲")
    for mode in ("letters", "annex"):
        paths = [tmp_path / f"{mode}.pdf"]
        with open(paths[0], "wb") as out:
            [res] = render_batch_pdfs(CTX, [recipient], signers, len(signers), mode, [out])
        assert res.degraded_names == bad + ["Lena Ek"]
        assert "recipient.name" in res.degraded_fields
        text = "\n".join(pdftotext_pages(paths[0]))
        assert PLACEHOLDER * 3 in text  # 王小明
        assert "Anna " + PLACEHOLDER + " Berg" in text
        assert PLACEHOLDER * 4 + " " + PLACEHOLDER * 3 in text  # محمد علي (logical order kept)
        assert "Nguyễn Phú Trọng " + PLACEHOLDER * 3 in text
        for g in good:
            assert g in text
        ptext = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(paths[0])).pages)
        assert "Anna " + PLACEHOLDER + " Berg" in ptext


def test_sanitize_rules():
    assert sanitize("  Trần\tThị \n Nga ") == ("Trần Thị Nga", False)
    assert sanitize("a\x00b") == ("a" + PLACEHOLDER + "b", True)
    assert sanitize("中") == (PLACEHOLDER, True)


def test_fontconfig_sees_no_system_fonts():
    assert os.environ["FONTCONFIG_FILE"].endswith("fonts-empty.conf")
    if shutil.which("fc-list"):
        out = subprocess.run(
            ["fc-list"], capture_output=True, text=True, env=dict(os.environ)
        ).stdout
        assert out.strip() == ""
