"""The export job kind (see portal.jobs.registry)."""

from __future__ import annotations

from django.urls import reverse

from portal.jobs.registry import register

EXPORT_JOB_KIND = "exports.office_data"


@register(EXPORT_JOB_KIND, label="データの書き出し", deadline=300, detail_url=lambda job: reverse("exports:page"))
def build(job) -> None:
    from portal.exports.services import export_build

    export_build(job=job)
