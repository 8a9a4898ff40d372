"""portal.documents.render: the shared WeasyPrint helper (fonts checked, resources confined)."""

import io

import pytest
from pypdf import PdfReader

from portal.documents import render


@pytest.fixture
def fresh_font_check():
    render._fonts_checked.cache_clear()
    yield
    render._fonts_checked.cache_clear()


def test_missing_japanese_font_fails_loudly_instead_of_tofu(monkeypatch, fresh_font_check):
    monkeypatch.setattr(render, "_installed_families", lambda: {"DejaVu Sans", "IPAexMincho"})
    with pytest.raises(render.JapaneseFontMissing) as error:
        render.render_pdf_from_html("<p>請求書</p>")
    assert "IPAexGothic" in str(error.value) and "fonts-ipaexfont" in str(error.value)


def test_the_installed_fonts_are_found_and_embedded(fresh_font_check):
    render.ensure_japanese_fonts()
    data = render.render_pdf("documents/base_pdf.html", {})
    assert data.startswith(b"%PDF")
    pdf = render.render_pdf_from_html('<html style="font-family: IPAexGothic"><p>日本語の帳票</p></html>')
    reader = PdfReader(io.BytesIO(pdf))
    assert "日本語の帳票" in reader.pages[0].extract_text()
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("IPAexGothic" in name for name in fonts)


@pytest.mark.parametrize(
    "url,allowed",
    [
        ("https://example.com/tracker.png", False),
        ("file:///etc/passwd", False),
        ("file:///static/css/renkei.css", True),  # {% static %} URLs map to the static files
        ("data:text/plain,abc", True),
    ],
)
def test_only_static_files_and_data_urls_are_fetched(url, allowed):
    fetcher = render._fetcher()
    if allowed:
        assert fetcher.fetch(url).read()
    else:
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
