"""Reading PDFs back the way a person would: text (pdftotext), fonts (pdffonts), pages, pixels.

Poppler's command-line tools are installed by bin/setup (poppler-utils).
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader

REFERENCE_DIR = Path(__file__).with_name("reference")


def _run(args: list[str], pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run(
            [*args, f.name, *(["-"] if args[0] == "pdftotext" else [])], capture_output=True, check=True
        ).stdout.decode("utf-8")


def page_texts(pdf: bytes, *, layout: bool = False) -> list[str]:
    """The text of each page as pdftotext extracts it (``layout``: rows of a table stay on one line; otherwise in drawing order, so the lines of one cell stay together)."""
    pages = _run(["pdftotext", "-enc", "UTF-8", "-layout" if layout else "-raw"], pdf).split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def squash(text: str) -> str:
    """Text without any whitespace (line wrapping in a cell must not hide a match)."""
    return re.sub(r"\s+", "", text)


def text_of(pdf: bytes) -> str:
    return squash("".join(page_texts(pdf)))


def body_text(pdf: bytes) -> str:
    """All pages without their footer line (form name, 利用者, page n / m), squashed: a text that
    continues on the next page reads as one."""
    return squash("".join(page.rstrip("\n").rsplit("\n", 1)[0] for page in page_texts(pdf)))


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def fonts(pdf: bytes) -> list[dict]:
    """pdffonts rows: name, type, embedded (bool)."""
    lines = _run(["pdffonts"], pdf).splitlines()[2:]
    out = []
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        # columns from the right: object ID (2 cols), uni, sub, emb
        emb, sub, uni = parts[-5], parts[-4], parts[-3]
        out.append({"name": parts[0], "embedded": emb == "yes", "subset": sub == "yes", "unicode": uni == "yes"})
    return out


def assert_only_japanese_font_embedded(pdf: bytes) -> None:
    """Every font is IPAex, embedded, with a Unicode map (text searchable); no glyph is missing."""
    found = fonts(pdf)
    assert found, "the PDF has no fonts"
    for font in found:
        assert "IPAex" in font["name"], f"a fallback font was used (glyphs missing from IPAex?): {font['name']}"
        assert font["embedded"] and font["unicode"], font
    text = "".join(page_texts(pdf))
    assert "\ufffd" not in text, "a glyph could not be mapped back to text (tofu/.notdef)"


def gray_pages(pdf: bytes, dpi: int = 20) -> list[tuple[int, int, bytes]]:
    """Each page as 8-bit grayscale pixels (width, height, bytes) via ``pdftoppm -gray`` (PGM)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(src), str(Path(tmp) / "p")], check=True)
        return [_read_pgm(p.read_bytes()) for p in sorted(Path(tmp).glob("p-*.pgm"))]


def _read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """A binary PGM (P5) with maxval 255: (width, height, pixels)."""
    tokens: list[bytes] = []
    pos = 0
    while len(tokens) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        tokens.append(data[pos:end])
        pos = end
    magic, width, height, maxval = tokens[0], int(tokens[1]), int(tokens[2]), int(tokens[3])
    assert magic == b"P5" and maxval == 255, (magic, maxval)
    pos += 1  # the single whitespace after maxval
    return width, height, data[pos : pos + width * height]


def write_png(path: Path, page: tuple[int, int, bytes]) -> None:
    from PIL import Image

    width, height, pixels = page
    Image.frombytes("L", (width, height), pixels).save(path, optimize=True)


def read_png(path: Path) -> tuple[int, int, bytes]:
    from PIL import Image

    image = Image.open(path).convert("L")
    return image.width, image.height, image.tobytes()


def layout_difference(a: tuple[int, int, bytes], b: tuple[int, int, bytes], block: int = 4) -> float:
    """How different two page images are, 0 (same) … 1 (inverted).

    Both are reduced to blocks of ``block``×``block`` pixels (mean gray) so that a changed name
    or number barely counts while moved tables, lines and blocks of text do.
    """
    assert (a[0], a[1]) == (b[0], b[1]), f"page size changed: {a[:2]} != {b[:2]}"
    width, height = a[0], a[1]
    total = 0.0
    cells = 0
    for y0 in range(0, height - block + 1, block):
        for x0 in range(0, width - block + 1, block):
            sa = sb = 0
            for y in range(y0, y0 + block):
                row = y * width
                sa += sum(a[2][row + x0 : row + x0 + block])
                sb += sum(b[2][row + x0 : row + x0 + block])
            total += abs(sa - sb) / (255 * block * block)
            cells += 1
    return total / cells
