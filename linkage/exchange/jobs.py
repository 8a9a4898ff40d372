"""Background job kinds of the exchange that a page waits on (see portal.jobs.registry)."""

from __future__ import annotations

from django.urls import reverse

from portal.jobs.registry import JobFailed, register

INBOX_SYNC = "exchange.inbox_sync"


@register(INBOX_SYNC, label="連携基盤からの受信", deadline=60, detail_url=lambda job: reverse("exchange:inbox"))
def inbox_sync(job) -> None:
    """「今すぐ受信する」: receive, import, acknowledge (a hub that is away is retried with backoff)."""
    from linkage.exchange.certificates import NoCertificate
    from linkage.exchange.hubclient import HubError
    from linkage.exchange.services import office_sync
    from portal.offices.models import Office
    from portal.offices.services import OfficeSuspended

    office = Office.objects.get(pk=job.office_id)
    try:
        office_sync(office=office)
    except OfficeSuspended as exc:
        raise JobFailed(str(exc)) from None
    except NoCertificate:
        raise JobFailed(
            "電子証明書が登録されていないため受信できません。管理者が「電子証明書」から登録してください。"
        ) from None
    except HubError as error:
        if error.retryable:
            raise  # retried with backoff, then failed with the generic reason
        raise JobFailed(
            f"連携基盤が受信を受け付けませんでした（{error.code or error.status}）。運営者に連絡してください。"
        ) from None
