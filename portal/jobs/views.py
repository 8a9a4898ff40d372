"""/healthz (load balancers, uptime monitors), the health banner fragment and 「もう一度」."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.jobs import services
from portal.jobs.models import Job
from portal.jobs.registry import get_kind
from portal.offices.permissions import office_required


@never_cache
def healthz(request):
    """Liveness of the parts, no personal data and no auth: database, broker, worker, beat.

    Answers 200 while the portal can serve pages (the database answers); the body says which
    background parts are down so a monitor can alert on them. ``?strict=1`` answers 503 if any is."""
    database = services.database_ok()
    broker = services.broker_ok()
    worker = database and services.workers_alive()
    beat = database and services.beat_alive()
    checks = {"database": database, "broker": broker, "worker": worker, "beat": beat}
    healthy = all(checks.values())
    status = 200 if database and (healthy or request.GET.get("strict") != "1") else 503
    body = {
        "status": "ok" if healthy else "degraded" if database else "down",
        "checks": {k: "ok" if v else "down" for k, v in checks.items()},
        "time": timezone.now().isoformat(timespec="seconds"),
    }
    return JsonResponse(body, status=status)


@never_cache
@login_required
def health_banner(request):
    """The banner fragment that pages depending on a worker poll (empty while workers are alive)."""
    return render(request, "jobs/_health_banner.html", {"background_stopped": services.background_stopped()})


@office_required
@require_POST
def job_retry(request, background_job_id: int):
    """「もう一度」 on a failed job of the current office."""
    job = get_object_or_404(Job, pk=background_job_id)
    if services.job_retry(job=job):
        messages.success(request, f"{job.kind_label}をもう一度始めました。")
    kind = get_kind(job.kind)
    return redirect(kind.detail_url(job) if kind.detail_url else "dashboard")
