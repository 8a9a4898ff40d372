"""A PDF rendering process for batches: reads HTML documents from stdin, writes PDFs to stdout.

    python -m portal.documents.render_process      (started by portal.documents.batch)

Frames on both pipes are a 4-byte big-endian length followed by that many bytes; a reply starts
with one status byte: ``0`` the PDF follows, ``1`` the render failed and the exception's type name
follows (never its message: it could quote personal data). The process keeps WeasyPrint, its
fonts and the static-only URL fetcher warm between documents, so a batch pays the start-up once
per process, and several processes render a batch's chunks side by side (a Celery worker process
is daemonic and may not fork a multiprocessing pool, but it may start plain subprocesses).
"""

from __future__ import annotations

import os
import struct
import sys

HEADER = struct.Struct(">I")


def read_frame(stream) -> bytes | None:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


def write_frame(stream, data: bytes) -> None:
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def main() -> int:
    # Frames go to a private copy of the pipe; file descriptor 1 becomes stderr before anything
    # (logging set up by Django included) can write to it.
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    stdin = sys.stdin.buffer
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from portal.documents.render import render_pdf_from_html

    while True:
        html = read_frame(stdin)
        if html is None:
            return 0
        try:
            pdf = render_pdf_from_html(html.decode("utf-8"))
        except Exception as exc:  # noqa: BLE001 — reported to the parent by type only
            write_frame(stdout, b"\x01" + type(exc).__name__.encode())
        else:
            write_frame(stdout, b"\x00" + pdf)


if __name__ == "__main__":
    raise SystemExit(main())
