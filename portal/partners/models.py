"""連携先 (partners), 同意 (consent) and the audit trail.

Tenancy
-------
- ``Partnership`` is stored **one row per side**: office A's row (``office=A``,
  ``partner_office=B``) and office B's row (``office=B``, ``partner_office=A``),
  linked by ``counterpart`` and kept in step by ``portal.partners.services``.
  Each row is scoped by ``office`` like every other office-owned model, so an
  office only ever queries its own side. An external partner (an office on other
  software, exchanging files through the national system) is a single row with
  ``is_external=True`` and no counterpart.
- ``PartnerInvitation`` is one row seen by two offices: the inviter (``office``)
  and the invitee, who may not be on Renkei yet and is therefore identified by
  ``invitee_office_number``. Its manager is scoped on *either* side
  (``two_sided_scoped``): inside ``scope(office=X)`` it returns the invitations X
  sent and those addressed to X's 事業所番号; without a scope it raises, exactly
  like ``office_scoped``.
- ``Consent`` and ``AuditEvent`` belong to one office (``office_scoped``).

Models carry no side effects; every write lives in ``services.py``.
``AuditEvent`` is append-only: ``save()`` of an existing row, ``delete()``, and
queryset ``update()``/``delete()`` raise, and on PostgreSQL a trigger (migration
0002) refuses UPDATE and DELETE of the table whatever the client.

Size: kept as one module (over ~400 lines) because the app's models plus the Japanese labels of every audit
action (about a third of the file); one app's models stay in one module.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes.manager import DisabledQuerySet
from django_scopes.state import get_scope

from portal.core.codes import service_kind_name
from portal.offices.models import Membership, Office
from portal.offices.tenancy import office_scoped

# --------------------------------------------------------------------------- codes


class ConsentScope(models.TextChoices):
    """What a 利用者 consented to share (同意の範囲)."""

    PLAN = "plan", "居宅サービス計画書"
    SCHEDULE = "schedule", "サービス利用票・提供票"
    ACTUAL = "actual", "サービス提供実績"


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", "書面"
    ORAL = "oral", "口頭"
    ELECTRONIC = "electronic", "電子（署名・電子同意）"
    OTHER = "other", "その他"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "承認待ち"
    ACCEPTED = "accepted", "承認済み"
    DECLINED = "declined", "辞退"
    CANCELLED = "cancelled", "取消"


class AuditAction(models.TextChoices):
    PARTNERSHIP_INVITED = "partnership_invited", "連携の招待"
    PARTNERSHIP_INVITATION_CANCELLED = "partnership_invitation_cancelled", "招待の取消"
    PARTNERSHIP_ACCEPTED = "partnership_accepted", "連携の承認"
    PARTNERSHIP_DECLINED = "partnership_declined", "連携の辞退"
    PARTNERSHIP_ENDED = "partnership_ended", "連携の終了"
    PARTNERSHIP_EXTERNAL_ADDED = "partnership_external_added", "外部連携先の登録"
    CONSENT_RECORDED = "consent_recorded", "同意の記録"
    CONSENT_REVOKED = "consent_revoked", "同意の撤回"
    PACKAGE_SENT = "package_sent", "送信"
    PACKAGE_RECEIVED = "package_received", "受信"
    PACKAGE_IMPORTED = "package_imported", "取込"
    PACKAGE_HUB_DELETED = "package_hub_deleted", "連携基盤から削除"
    CERTIFICATE_REVOKED = "certificate_revoked", "電子証明書の失効"
    CSV_DOWNLOADED = "csv_downloaded", "CSVダウンロード"
    PDF_EXPORTED = "pdf_exported", "PDF出力"
    DOCUMENT_VIEWED = "document_viewed", "書類の閲覧"
    DATA_EXPORTED = "data_exported", "データの書き出し"
    PAPER_LINK_SENT = "paper_link_sent", "リンクで送付"
    PAPER_LINK_OPENED = "paper_link_opened", "リンクの閲覧"
    PAPER_LINK_CODE_FAILED = "paper_link_code_failed", "リンクの確認コード誤り"
    PAPER_LINK_LOCKED = "paper_link_locked", "リンクのロック"
    PAPER_LINK_DOWNLOADED = "paper_link_downloaded", "リンクからPDFダウンロード"
    PAPER_LINK_ANSWERED = "paper_link_answered", "リンクで実績の回答"
    PAPER_LINK_REVOKED = "paper_link_revoked", "リンクの取り下げ"
    PAPER_LINK_REMINDED = "paper_link_reminded", "リンクの実績回答のリマインダー"
    PAPER_LINK_JOIN_REQUESTED = "paper_link_join_requested", "リンクから Renkei での受け取りを申込"
    PAPER_PARTNER_MOVED = "paper_partner_moved", "リンクの連携先が Renkei に移行"


def kinds_label(codes) -> str:
    return "、".join(f"{code} {service_kind_name(code)}" for code in codes)


# --------------------------------------------------------------------------- two-sided scope


def two_sided_scoped(office_path: str = "office", number_path: str = "invitee_office_number"):
    """A manager scoped on either of two sides of a row, refusing to run without a scope.

    Inside ``scope(office=X)`` it returns rows whose ``office_path`` is X **or**
    whose ``number_path`` equals X's 事業所番号 (the invitee side, which may have
    registered on Renkei after the row was written). Without an office scope it
    returns a queryset that raises ``ScopeError`` on use, like ``office_scoped``;
    with scopes disabled (operator admin) it returns every row.
    """

    class TwoSidedScopedManager(models.Manager):
        def with_scopes_disabled(self):
            cloned = copy.copy(self)
            cloned._override_scope = {"_enabled": False}
            return cloned

        def get_queryset(self):
            current = getattr(self, "_override_scope", None) or get_scope()
            if not current.get("_enabled", True):
                return super().get_queryset()
            if "office" not in current or current["office"] is None:
                return DisabledQuerySet(self.model, using=self._db, missing_scopes={"office"})
            office = current["office"]
            office_id = office.pk if isinstance(office, Office) else office
            number = Office.objects.filter(pk=office_id).values("office_number")
            return super().get_queryset().filter(Q(**{office_path: office_id}) | Q(**{f"{number_path}__in": number}))

        def all(self):
            queryset = super().all()
            if isinstance(queryset, DisabledQuerySet):
                queryset = queryset.all()
            return queryset

    return TwoSidedScopedManager()


# --------------------------------------------------------------------------- models


class PartnerInvitation(models.Model):
    """Office A (``office``) invites office B (``invitee_office_number``) to work together."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="sent_partner_invitations", verbose_name="招待した事業所"
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    invited_by_name = models.CharField("招待した人", max_length=100, blank=True)
    invitee_office_number = models.CharField("招待先の事業所番号", max_length=10, db_index=True)
    invitee_name = models.CharField("招待先の事業所名", max_length=100, blank=True)
    invitee_email = models.EmailField("招待先のメールアドレス", blank=True)
    service_type_codes = models.JSONField("対象のサービス種類", default=list)
    message = models.TextField("メッセージ", blank=True)
    status = models.CharField("状態", max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    created_at = models.DateTimeField("招待日時", default=timezone.now)
    expires_at = models.DateTimeField("有効期限")
    responded_at = models.DateTimeField("回答日時", null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invitee_office = models.ForeignKey(
        Office, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="回答した事業所"
    )
    decline_reason = models.CharField("辞退の理由", max_length=200, blank=True)

    objects = two_sided_scoped("office", "invitee_office_number")

    class Meta:
        verbose_name = "連携の招待"
        verbose_name_plural = "連携の招待"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.office_id} → {self.invitee_office_number}（{self.get_status_display()}）"

    @property
    def is_expired(self) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.status == InvitationStatus.PENDING and not self.is_expired

    @property
    def status_label(self) -> str:
        return "期限切れ" if self.is_expired else self.get_status_display()

    @property
    def kinds_label(self) -> str:
        return kinds_label(self.service_type_codes)


class PartnershipQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None):
        on = on or timezone.localdate()
        return self.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))


class Partnership(models.Model):
    """連携先: this office's side of a link with another office (see the module docstring)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="partnerships", verbose_name="事業所")
    partner_office = models.ForeignKey(
        Office, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="連携先（Renkei）"
    )
    partner_office_number = models.CharField("連携先の事業所番号", max_length=10, db_index=True)
    partner_name = models.CharField("連携先の事業所名", max_length=100)
    is_external = models.BooleanField(
        "外部の連携先", default=False, help_text="Renkei を使っていない事業所（国の連携システムでファイルをやり取り）"
    )
    service_type_codes = models.JSONField("対象のサービス種類", default=list)
    contact_email = models.EmailField(
        "連絡先メールアドレス",
        blank=True,
        help_text="Renkei を使っていない連携先に、提供票のリンクのお知らせを送るアドレス",
    )
    paper_only = models.BooleanField(
        "紙のみ", default=False, help_text="メールを使わない連携先（送付状を印刷して QR コードで案内）"
    )
    counterpart = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invitation = models.ForeignKey(
        PartnerInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField("メモ", max_length=200, blank=True)
    started_on = models.DateField("連携開始日")
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    ended_on = models.DateField("連携終了日", null=True, blank=True)
    ended_at = models.DateTimeField("終了日時", null=True, blank=True)
    ended_by_name = models.CharField("終了した人", max_length=100, blank=True)
    ended_by_partner = models.BooleanField("連携先が終了", default=False)
    end_reason = models.CharField("終了の理由", max_length=200, blank=True)

    objects = office_scoped("office", manager_class=models.Manager.from_queryset(PartnershipQuerySet))

    class Meta:
        verbose_name = "連携先"
        verbose_name_plural = "連携先"
        ordering = ["partner_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "partner_office_number"],
                condition=Q(ended_at__isnull=True),
                name="partnership_one_active_per_partner",
                violation_error_message="この事業所とはすでに連携しています。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.partner_office_number}）"

    @property
    def display_name(self) -> str:
        if self.partner_office_id and self.partner_office is not None:
            return self.partner_office.name
        return self.partner_name

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def status_label(self) -> str:
        return "連携中" if self.is_active else "終了"

    @property
    def kinds_label(self) -> str:
        return kinds_label(self.service_type_codes)

    @property
    def kind_label(self) -> str:
        return "外部（ファイル連携）" if self.is_external else "Renkei"


def consent_document_path(instance, filename: str) -> str:
    """Private path under MEDIA_ROOT; the name the user gave the file is not kept in the path."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in {".pdf", ".jpg", ".jpeg"}:
        suffix = ""
    return f"private/consents/{instance.office_id}/{uuid.uuid4().hex}{suffix}"


class ConsentQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None):
        on = on or timezone.localdate()
        return self.filter(obtained_on__lte=on).filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))


class Consent(models.Model):
    """同意: one 利用者's consent to share their data with one partner."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="consents", verbose_name="利用者"
    )
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="consents", verbose_name="連携先"
    )
    obtained_on = models.DateField("同意日")
    obtained_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="同意を得た職員"
    )
    obtained_by_name = models.CharField("同意を得た職員（氏名）", max_length=100, blank=True)
    method = models.CharField("同意の方法", max_length=20, choices=ConsentMethod.choices)
    scope_plan = models.BooleanField(ConsentScope.PLAN.label, default=True)
    scope_schedule = models.BooleanField(ConsentScope.SCHEDULE.label, default=True)
    scope_actual = models.BooleanField(ConsentScope.ACTUAL.label, default=True)
    note = models.CharField("備考", max_length=200, blank=True)
    document = models.FileField("同意書（スキャン）", upload_to=consent_document_path, blank=True)
    document_type = models.CharField(max_length=40, blank=True)
    document_size = models.PositiveIntegerField(null=True, blank=True)
    revoked_on = models.DateField("撤回日", null=True, blank=True)
    revocation_reason = models.CharField("撤回の理由", max_length=200, blank=True)
    revoked_by_name = models.CharField("撤回を記録した職員", max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField("記録日時", default=timezone.now)
    revoked_at = models.DateTimeField("撤回を記録した日時", null=True, blank=True)

    objects = office_scoped("office", manager_class=models.Manager.from_queryset(ConsentQuerySet))

    class Meta:
        verbose_name = "同意"
        verbose_name_plural = "同意"
        ordering = ["-obtained_on", "-pk"]
        indexes = [models.Index(fields=["client", "partnership"], name="consent_client_partnership")]

    def __str__(self) -> str:
        return f"同意 #{self.pk}"

    @property
    def scopes(self) -> list[str]:
        return [
            s
            for s, on in (
                (ConsentScope.PLAN, self.scope_plan),
                (ConsentScope.SCHEDULE, self.scope_schedule),
                (ConsentScope.ACTUAL, self.scope_actual),
            )
            if on
        ]

    @property
    def scopes_label(self) -> str:
        return "、".join(ConsentScope(s).label for s in self.scopes)

    def covers(self, scope: str) -> bool:
        return scope in self.scopes

    def is_active_on(self, day: dt.date) -> bool:
        return self.obtained_on <= day and (self.revoked_on is None or day < self.revoked_on)

    @property
    def status_label(self) -> str:
        today = timezone.localdate()
        if self.revoked_on is not None and self.revoked_on <= today:
            return "撤回済み"
        if self.obtained_on > today:
            return "同意日前"
        return "有効"


# --------------------------------------------------------------------------- audit


class AuditEventImmutable(Exception):
    """The audit trail is append-only."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditEventImmutable("監査ログは変更できません。")

    def delete(self):
        raise AuditEventImmutable("監査ログは削除できません。")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditEventImmutable("監査ログは変更できません。")

    def update_or_create(self, *args, **kwargs):
        raise AuditEventImmutable("監査ログは変更できません。")


class AuditEvent(models.Model):
    """One line of the append-only audit trail (who, when, office, 利用者, partner, what).

    ``detail`` carries ids and codes only (package id, file names of the standard
    CSVs, counts) — never names or other personal data. Foreign keys are not
    enforced by the database (``db_constraint=False``, ``DO_NOTHING``) so that
    deleting a 利用者 or a login never needs to touch the trail.
    """

    office = models.ForeignKey(
        Office, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name="事業所"
    )
    occurred_at = models.DateTimeField("日時", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作した人",
    )
    actor_name = models.CharField("操作した人（氏名）", max_length=120, blank=True)
    action = models.CharField("操作", max_length=40, choices=AuditAction.choices, db_index=True)
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="利用者",
    )
    partner_office_number = models.CharField("連携先の事業所番号", max_length=10, blank=True, db_index=True)
    detail = models.JSONField("詳細", default=dict, blank=True)

    objects = office_scoped("office", manager_class=models.Manager.from_queryset(AuditQuerySet))

    class Meta:
        verbose_name = "監査ログ"
        verbose_name_plural = "監査ログ"
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["office", "occurred_at"], name="audit_office_time")]
        default_permissions = ("add", "view")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditEventImmutable("監査ログは変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEventImmutable("監査ログは削除できません。")


class AuditEventClient(models.Model):
    """One 利用者 an audit event concerns (a batch send, a received or imported package may concern many).

    Append-only like the event itself; the 利用者 is a relation (no names are copied into the trail), not
    enforced by the database so that deleting a 利用者 never touches the trail.
    """

    office = models.ForeignKey(
        Office, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name="事業所"
    )
    event = models.ForeignKey(
        AuditEvent,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="client_links",
        verbose_name="監査ログ",
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name="利用者"
    )

    objects = office_scoped("office", manager_class=models.Manager.from_queryset(AuditQuerySet))

    class Meta:
        verbose_name = "監査ログの利用者"
        verbose_name_plural = "監査ログの利用者"
        default_permissions = ("add", "view")
        constraints = [models.UniqueConstraint(fields=["event", "client"], name="audit_event_client_unique")]
        indexes = [models.Index(fields=["office", "client"], name="audit_client")]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditEventImmutable("監査ログは変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEventImmutable("監査ログは削除できません。")
