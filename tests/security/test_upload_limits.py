"""Item 14: uploads are limited in the application (request size, streamed byte count), with a clear page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.test import RequestFactory
from django.urls import reverse

from portal.core.uploads import SizeLimitUploadHandler


def test_settings_bound_memory_and_form_sizes(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert settings.FILE_UPLOAD_HANDLERS[0] == "portal.core.uploads.SizeLimitUploadHandler"
    assert settings.RENKEI_UPLOAD_MAX_BYTES == 20 * 1024 * 1024


def test_an_oversized_upload_gets_a_japanese_413_and_nothing_is_read(settings, owner_client):
    settings.RENKEI_UPLOAD_MAX_BYTES = 2000
    big = SimpleUploadedFile("RIYOHYO.csv", b"x" * 5000, content_type="text/csv")
    response = owner_client.post(reverse("exchange:check"), {"files": [big]})
    assert response.status_code == 413
    page = response.content.decode()
    assert "ファイルが大きすぎます" in page and "上限" in page


def test_an_upload_under_the_limit_reaches_the_view(settings, owner_client):
    settings.RENKEI_UPLOAD_MAX_BYTES = 20000
    small = SimpleUploadedFile("RIYOHYO.csv", b"x" * 100, content_type="text/csv")
    assert owner_client.post(reverse("exchange:check"), {"files": [small]}).status_code == 200


def test_the_handler_stops_a_stream_without_a_length(settings):
    """Chunked uploads (no Content-Length) are counted as they stream and stopped at the limit."""
    settings.RENKEI_UPLOAD_MAX_BYTES = 1000
    request = RequestFactory().post("/")
    handler = SizeLimitUploadHandler(request)
    handler.handle_raw_input(None, request.META, None, "b", None)
    handler.receive_data_chunk(b"x" * 600, 0)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 600, 600)
    assert request.upload_too_large
