from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "portal.partners"
    verbose_name = "連携先と同意"

    def dashboard_cards(self, request):
        """Dashboard: partners in effect and invitations waiting for this office's answer."""
        from django.urls import reverse
        from django.utils import timezone

        from portal.partners.models import InvitationStatus, PartnerInvitation, Partnership

        office = request.office
        active = Partnership.objects.filter(office=office, ended_at__isnull=True).count()
        waiting = (
            list(
                PartnerInvitation.objects.filter(
                    invitee_office_number=office.office_number,
                    status=InvitationStatus.PENDING,
                    expires_at__gt=timezone.now(),
                )
                .exclude(office=office)
                .values_list("pk", flat=True)[:2]
            )
            if office.is_verified
            else []
        )
        cards = []
        if waiting:
            count = (
                PartnerInvitation.objects.filter(
                    invitee_office_number=office.office_number,
                    status=InvitationStatus.PENDING,
                    expires_at__gt=timezone.now(),
                )
                .exclude(office=office)
                .count()
                if len(waiting) > 1
                else 1
            )
            url = (
                reverse("partners:invitation_detail", kwargs={"partner_invitation_id": waiting[0]})
                if count == 1
                else reverse("partners:list")
            )
            cards.append(
                {
                    "title": "連携の招待が届いています",
                    "body": f"{count}件の招待が承認を待っています。"
                    + ("内容を確認して承認してください。" if request.membership.is_admin else "管理者が承認できます。"),
                    "url": url,
                    "link_label": "招待を確認する",
                }
            )
        cards.append(
            {
                "title": "連携先",
                "body": f"{active}事業所と連携しています。" if active else "連携している事業所はまだありません。",
                "url": reverse("partners:list"),
                "link_label": "連携先を開く",
            }
        )
        return cards
