"""Render a Django template to PDF with WeasyPrint — the one place that does it.

    from portal.documents.render import render_pdf
    pdf_bytes = render_pdf("billing/invoice_pdf.html", {"invoice": invoice})

- Templates extend ``documents/base_pdf.html`` (A4 @page CSS, ``font-family: "IPAexGothic"``).
- Japanese needs a Japanese font. Before rendering, :func:`ensure_japanese_fonts` checks
  with fontconfig that IPAexGothic / IPAexMincho (Debian ``fonts-ipaexfont``, installed by
  ``bin/setup``) are present and raises :class:`JapaneseFontMissing` otherwise — a PDF full
  of tofu (□□□) is never produced silently.
- Resources: relative URLs resolve against the project's ``static/`` folder, and
  ``/static/...`` URLs (``{% static %}``) are looked up with the staticfiles finders.
  Only ``data:`` URLs and files inside the static folders are fetched: a template can
  never make the renderer reach the network or read other files.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string

REQUIRED_FONT_FAMILIES: tuple[str, ...] = ("IPAexGothic", "IPAexMincho")

__all__ = ["render_pdf", "render_pdf_from_html", "ensure_japanese_fonts", "JapaneseFontMissing"]


class JapaneseFontMissing(RuntimeError):
    """The Japanese fonts PDFs need are not installed (the PDF would show □ instead of text)."""


def _installed_families() -> set[str]:
    """Font family names fontconfig knows (every alias, e.g. "IPAexGothic" and "IPAexゴシック")."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return set()
    output = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, check=False, timeout=30).stdout
    families: set[str] = set()
    for line in output.splitlines():
        families.update(name.strip() for name in line.split(",") if name.strip())
    return families


@functools.lru_cache(maxsize=1)
def _fonts_checked() -> bool:
    missing = [family for family in REQUIRED_FONT_FAMILIES if family not in _installed_families()]
    if missing:
        raise JapaneseFontMissing(
            "PDFに使う日本語フォント（" + "、".join(missing) + "）が見つかりません。"
            "サーバーに fonts-ipaexfont をインストールしてください（bin/setup が行います）。"
            f" / Japanese fonts missing: {', '.join(missing)} (apt-get install fonts-ipaexfont)."
        )
    return True


def ensure_japanese_fonts() -> None:
    """Raise :class:`JapaneseFontMissing` unless IPAexGothic and IPAexMincho are installed.

    The (successful) check is cached per process; a failure is checked again next time.
    """
    _fonts_checked()


def _static_roots() -> list[Path]:
    roots = [Path(p) for p in getattr(settings, "STATICFILES_DIRS", [])]
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots]


def _base_url() -> str:
    roots = [Path(p) for p in getattr(settings, "STATICFILES_DIRS", [])] or [Path(settings.BASE_DIR) / "static"]
    return roots[0].resolve().as_uri() + "/"


def _resolve_static_file(url: str) -> Path | None:
    """The local file a ``file:`` URL names, if it is a static file; else None."""
    from django.contrib.staticfiles import finders

    path = Path(unquote(urlsplit(url).path))
    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if str(path).startswith(static_prefix):
        found = finders.find(str(path)[len(static_prefix) :])
        return Path(found).resolve() if found else None
    resolved = path.resolve()
    for root in _static_roots():
        if resolved.is_relative_to(root) and resolved.is_file():
            return resolved
    return None


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Fetches ``data:`` URLs and static files only; anything else is refused."""

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                local = _resolve_static_file(url)
                if local is not None:
                    return URLFetcherResponse(local.as_uri(), local.read_bytes())
            raise ValueError(f"PDF resource refused (only static files and data: URLs): {url[:200]}")

    return StaticOnlyFetcher()


def render_pdf_from_html(html: str) -> bytes:
    """PDF bytes for an HTML string (same fonts check, base URL and fetcher as :func:`render_pdf`)."""
    ensure_japanese_fonts()
    from weasyprint import HTML

    return HTML(string=html, base_url=_base_url(), url_fetcher=_fetcher()).write_pdf()


def render_pdf(template_name: str, context: dict | None = None, *, request=None) -> bytes:
    """Render ``template_name`` with ``context`` and return the PDF as bytes."""
    html = render_to_string(template_name, context or {}, request=request)
    return render_pdf_from_html(html)
