"""Nothing a signer types can break a letter; the fonts come from the set and nowhere else."""

import io
import os
import shutil
import socket
import subprocess
import urllib.request
from dataclasses import replace

import pypdf
import pytest
import uharfbuzz as hb

from petition_service.letters import fonts
from petition_service.letters.assemble import render_batch_pdf, render_batch_pdfs
from petition_service.letters.fetcher import AssetRefused, font_bytes, font_url, resolve_font
from petition_service.letters.render import FontSetFetcher
from tests.letters.helpers import (
    CTX,
    HOSTILE_NAMES,
    RECIPIENTS,
    pdffonts_rows,
    pdftotext_pages,
    signer,
)


@pytest.fixture
def spy(monkeypatch):
    """Record every URL WeasyPrint asks for and forbid network access."""
    calls = []
    real_fetch = FontSetFetcher.fetch

    def fetch(self, url, headers=None):
        calls.append(url)
        return real_fetch(self, url, headers)

    def no_network(*a, **k):
        calls.append(("NETWORK", a))
        raise AssertionError("network access attempted")

    monkeypatch.setattr(FontSetFetcher, "fetch", fetch)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return calls


def test_hostile_strings_print_literally_and_fetch_nothing(spy, tmp_path):
    ctx = replace(
        CTX,
        letter_paragraphs=CTX.letter_paragraphs + (HOSTILE_NAMES[0] + " " + HOSTILE_NAMES[3],),
        organisation="Org <script>alert(1)</script>",
    )
    recipient = replace(
        RECIPIENTS[0],
        name='Director <img src="http://127.0.0.1:9/r">',
        postal_address="1 Main St\n<iframe src=https://evil.example/>",
    )
    signers = [
        signer(i, name, city="<b>City</b>", country="https://evil.example/c")
        for i, name in enumerate(HOSTILE_NAMES, start=1)
    ]
    for mode in ("letters", "annex"):
        path = tmp_path / f"{mode}.pdf"
        with open(path, "wb") as out:
            res = render_batch_pdf(ctx, recipient, signers, len(signers), mode, out)
        assert res.degraded_names == []
        flat = " ".join("\n".join(pdftotext_pages(path)).split())
        for name in HOSTILE_NAMES:
            assert " ".join(name.split()) in flat, name
        assert 'Director <img src="http://127.0.0.1:9/r">' in flat
        assert "<iframe src=https://evil.example/>" in flat
        assert "Org <script>alert(1)</script>" in flat
        assert "{{ 7*7 }}" in flat and "49" not in flat
    assert spy, "the fetcher was never used (fonts)"
    assert all(isinstance(u, str) and u.startswith("letters-font:") for u in spy), spy


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "https://evil.example/",
        "file:///usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
        "data:text/css,body{}",
        "letters-font:../../../etc/passwd/0",
        "letters-font:NotoSansSymbols-Regular.ttf/0",  # installed, but not in the set
        "letters-font:NotoSerif-Regular.ttf/1",
        "letters-asset:_page.css",
    ],
)
def test_the_fetcher_refuses_everything_but_the_font_set(url):
    with pytest.raises(AssetRefused):
        FontSetFetcher("abc").fetch(url)


def test_the_fetcher_serves_the_set_and_one_face_of_a_collection():
    serif = fonts.font_files("serif")[0]
    assert serif.path.name == "NotoSerif-Regular.ttf"
    body = FontSetFetcher("abc").fetch(font_url(serif)).read()
    assert body == serif.path.read_bytes()
    cjk = fonts.font_files("serif", "JP")[-1]
    assert resolve_font(font_url(cjk)) == cjk and cjk.index == 0
    data = font_bytes(cjk, "東京")
    face = hb.Face(hb.Blob(data))
    assert {ord("東"), ord("京")} <= set(face.unicodes)
    assert len(data) < 200_000  # not the 20 MB collection


def test_a_missing_font_file_is_named_with_its_package(monkeypatch, tmp_path):
    for path in fonts.CORE_DIR.glob("*.ttf"):
        if path.name != "NotoSansThai-Bold.ttf":
            (tmp_path / path.name).symlink_to(path)
    monkeypatch.setattr(fonts, "CORE_DIR", tmp_path)
    fonts.font_files.cache_clear()
    try:
        with pytest.raises(fonts.FontsMissing) as error:
            fonts.check_installed()
    finally:
        monkeypatch.undo()
        fonts.font_files.cache_clear()
    message = str(error.value)
    assert "NotoSansThai-Bold.ttf" in message and "fonts-noto-core" in message
    assert "apt-get install" in message
    fonts.check_installed()  # the real set is complete


def test_the_set_is_debians_noto_in_a_fixed_order():
    files = fonts.all_font_files()
    assert all(f.path.is_file() for f in files)
    assert {f.package for f in files} == {"fonts-noto-core", "fonts-noto-cjk"}
    assert [f.path.name for f in fonts.font_files("sans")[:2]] == [
        "NotoSans-Regular.ttf",
        "NotoSansArmenian-Regular.ttf",
    ]
    # Every regional face of a CJK collection covers the same characters, so the region
    # changes the forms drawn, never what can be printed.
    for style in fonts.SIGNER_STYLES:
        sets = {frozenset(fonts.chain(style, region)[-1].unicodes) for region in fonts.CJK_FACES}
        assert len(sets) == 1, style


def test_characters_no_font_has_are_boxes_reported_never_replacement_characters(tmp_path):
    bad = ["Anna 😀 Berg", "𓀀 Khufu"]  # an emoji, an Egyptian hieroglyph: not in the set
    signers = [signer(i, n) for i, n in enumerate([*bad, "Trần Thị Nga"], start=1)]
    recipient = replace(RECIPIENTS[0], name="Nguyễn Phú Trọng 🙂")
    for mode in ("letters", "annex"):
        path = tmp_path / f"{mode}.pdf"
        with open(path, "wb") as out:
            [res] = render_batch_pdfs(CTX, [recipient], signers, len(signers), mode, [out])
        assert res.degraded_names == bad
        assert res.degraded_fields == ["recipient.name"]
        text = "\n".join(pdftotext_pages(path))
        assert "\ufffd" not in text
        # The box still stands for the character: the text extracts as typed.
        assert "Anna 😀 Berg" in text and "Trần Thị Nga" in text
        ptext = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages)
        assert "Anna 😀 Berg" in ptext


def test_fonts_are_embedded_subset_with_tounicode_whatever_the_script(tmp_path):
    names = ["Trần Thị Nga", "王小明", "محمد علي", "किशोर कुमार", "김민준"]
    signers = [signer(i, n) for i, n in enumerate(names, start=1)]
    buf = io.BytesIO()
    render_batch_pdf(CTX, RECIPIENTS[0], signers, len(signers), "annex", buf)
    path = tmp_path / "annex.pdf"
    path.write_bytes(buf.getvalue())
    rows = pdffonts_rows(path)
    kinds = {row[1] for row in rows}
    assert {"CID"} == {row[1] for row in rows} and len(kinds) == 1
    names_seen = {row[0].split("+", 1)[1] for row in rows}
    assert {
        "NotoSans-Regular",
        "NotoSansArabic-Regular",
        "NotoSansDevanagari-Regular",
    } <= names_seen
    assert {"NotoSansCJKsc-Regular", "NotoSansCJKkr-Regular"} <= names_seen
    for row in rows:
        assert row[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, ToUnicode
    # A subset grows with the glyphs drawn: one Han name adds kilobytes, not megabytes.
    assert path.stat().st_size < 200_000


def test_fontconfig_sees_no_system_fonts():
    assert os.environ["FONTCONFIG_FILE"].endswith("fonts-empty.conf")
    if shutil.which("fc-list"):
        out = subprocess.run(
            ["fc-list"], capture_output=True, text=True, env=dict(os.environ)
        ).stdout
        assert out.strip() == ""


def test_han_is_drawn_in_the_forms_of_the_signers_country(tmp_path):
    assert fonts.region_for("王小明", "JP") == "JP"
    assert fonts.region_for("王小明", "TW") == "TC" and fonts.region_for("王小明", "HK") == "HK"
    assert fonts.region_for("王小明", "CN") == "SC" and fonts.region_for("王小明", "FR") == "SC"
    assert fonts.region_for("さくら", "US") == "JP" and fonts.region_for("김민준", "US") == "KR"
    signers = [
        replace(signer(1, "王小明", "北京", "中国"), country_code="CN"),
        replace(signer(2, "王小明", "臺北", "臺灣"), country_code="TW"),
        replace(signer(3, "王小明", "東京", "日本"), country_code="JP"),
    ]
    path = tmp_path / "annex.pdf"
    with open(path, "wb") as out:
        render_batch_pdf(CTX, RECIPIENTS[0], signers, len(signers), "annex", out)
    faces = {row[0].split("+", 1)[1] for row in pdffonts_rows(path)}
    assert {"NotoSansCJKsc-Regular", "NotoSansCJKtc-Regular", "NotoSansCJKjp-Regular"} <= faces
