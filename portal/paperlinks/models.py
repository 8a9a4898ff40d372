"""提供票 sent by secure link to a partner that is on no system (issue 19).

A ``PaperLink`` belongs to the care office that sent it (``office_scoped``). The
partner opening it has no account: it is found by the hash of its random token
(``services.paper_link_by_token``), and shows nothing until the short access code,
given by phone, has been entered. Token and code are stored hashed only; neither
carries personal data.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from portal.offices.models import Membership, Office
from portal.offices.tenancy import office_scoped


class PaperLink(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="送った事業所")
    partnership = models.ForeignKey(
        "partners.Partnership", on_delete=models.CASCADE, related_name="paper_links", verbose_name="連携先"
    )
    partner_office_number = models.CharField("連携先の事業所番号", max_length=10, db_index=True)
    month = models.DateField("対象年月", help_text="月の1日")
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField("送付日時", default=timezone.now)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField("有効期限")
    failed_attempts = models.PositiveSmallIntegerField("確認コードの誤り回数", default=0)
    locked_at = models.DateTimeField("ロック日時", null=True, blank=True)
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)
    first_opened_at = models.DateTimeField("初回閲覧日時", null=True, blank=True)
    emailed_to = models.EmailField("お知らせの送付先", blank=True)
    reminded_at = models.DateTimeField("リマインダー送信日時", null=True, blank=True)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "提供票のリンク"
        verbose_name_plural = "提供票のリンク"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"リンク #{self.pk}（{self.partner_office_number} {self.month:%Y-%m}）"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def status_label(self) -> str:
        """送付済 / 閲覧済 / 実績回答済 / 期限切れ … (see ``portal.paperlinks.status``; inside the office scope)."""
        from portal.paperlinks.status import link_states

        return link_states([self])[0].label


class PaperLinkAnswer(models.Model):
    """One 実績 answer given through a link for one 利用者: the files it became were received and
    imported like any UPJSK (``received_package_id``). A later answer replaces the 実績, never this row."""

    link = models.ForeignKey(PaperLink, on_delete=models.CASCADE, related_name="answers")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    received_package_ids = models.JSONField(default=list)
    answered_at = models.DateTimeField("回答日時", default=timezone.now)
    replaced_previous = models.BooleanField("前回の回答を置き換え", default=False)

    objects = office_scoped("link__office")

    class Meta:
        ordering = ["-answered_at", "-pk"]
