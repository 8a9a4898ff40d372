"""Upload size limits in the application, behind the proxy's own limit (README: Security).

- ``UploadLimitMiddleware`` answers 413 with a Japanese page before anything is read when the
  declared Content-Length is over ``RENKEI_UPLOAD_MAX_BYTES``.
- ``SizeLimitUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) counts the bytes of file parts as
  they stream (a chunked request has no Content-Length) and stops the upload at the limit; the
  middleware then answers the same 413 page. Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bounds the
  non-file part of a request and ``FILE_UPLOAD_MAX_MEMORY_SIZE`` what is held in memory.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render


def _limit() -> int:
    return int(settings.RENKEI_UPLOAD_MAX_BYTES)


def _too_large(request):
    megabytes = _limit() / (1024 * 1024)
    shown = f"{megabytes:.0f} MB" if megabytes >= 1 else f"{_limit() // 1024} KB"
    return render(request, "core/upload_too_large.html", {"limit": shown}, status=413)


class SizeLimitUploadHandler(FileUploadHandler):
    """Counts uploaded bytes as they arrive; stops the upload at ``RENKEI_UPLOAD_MAX_BYTES``."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        self.request.upload_too_large = False
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received = getattr(self, "received", 0) + len(raw_data)
        if self.received > _limit():
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > _limit():
            return _too_large(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # CsrfViewMiddleware (before this one) has parsed a multipart body by now.
        if request.method == "POST" and request.content_type == "multipart/form-data":
            request.FILES  # noqa: B018 - parse now, so that a stopped upload is seen here
            if getattr(request, "upload_too_large", False):
                return _too_large(request)
        return None
