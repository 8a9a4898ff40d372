"""Licence, qualified invoices (適格請求書), payments and sent reminders.

Writes live in ``portal/billing/services.py``; models carry no side effects. An
``Invoice`` is a snapshot: once inserted it is never updated or deleted (the model,
its queryset and — on PostgreSQL — a trigger refuse); a correction is a cancelling
invoice (``kind=cancellation``) that refers to the original.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models

from portal.offices.models import Office
from portal.offices.tenancy import office_scoped

REGISTRATION_NUMBER_RE = re.compile(r"T[0-9]{13}")  # [0-9], not \d: \d accepts full-width digits


def validate_registration_number(value: str) -> None:
    """適格請求書発行事業者の登録番号: "T" followed by 13 half-width digits."""
    if not REGISTRATION_NUMBER_RE.fullmatch(value or ""):
        raise ValidationError(
            "適格請求書発行事業者の登録番号は、「T」に続けて半角数字13桁で指定してください"
            "（例: T1234567890123）。現在の値: 「%(value)s」",
            code="registration_number_format",
            params={"value": value},
        )


class LicenceKind(models.TextChoices):
    NEW = "new", "新規申込"
    RENEWAL = "renewal", "更新"


class Licence(models.Model):
    """ライセンス: one yearly period of use of the portal for one office."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="licences", verbose_name="事業所")
    kind = models.CharField("種別", max_length=10, choices=LicenceKind.choices, default=LicenceKind.NEW)
    period_start = models.DateField("利用期間（開始）")
    period_end = models.DateField("利用期間（終了）")
    price = models.PositiveIntegerField("利用料（税込・円）")
    is_free = models.BooleanField("無料期間", default=False)
    note = models.CharField("メモ", max_length=200, blank=True)
    created_by = models.CharField("登録者", max_length=254, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "ライセンス"
        verbose_name_plural = "ライセンス"
        ordering = ["office", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["office", "period_start"], name="billing_licence_unique_start"),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")), name="billing_licence_period_order"
            ),
            models.CheckConstraint(
                condition=models.Q(is_free=True, price=0) | models.Q(is_free=False, price__gt=0),
                name="billing_licence_free_means_zero",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_id}: {self.period_start}〜{self.period_end}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", "請求書"
    CANCELLATION = "cancellation", "取消請求書"


class InvoiceImmutable(Exception):
    """An issued invoice cannot be changed or deleted; issue a cancelling invoice instead."""

    def __init__(
        self, message: str = "発行済みの請求書は変更・削除できません。訂正するには取消請求書を発行してください。"
    ):
        super().__init__(message)


class InvoiceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise InvoiceImmutable()

    def delete(self):
        raise InvoiceImmutable()

    def _raw_delete(self, using):
        raise InvoiceImmutable()


InvoiceManager = models.Manager.from_queryset(InvoiceQuerySet)


class Invoice(models.Model):
    """請求書 (適格請求書): an immutable snapshot of what was billed to whom by whom."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="invoices", verbose_name="宛先事業所")
    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="invoices", verbose_name="ライセンス")
    kind = models.CharField("種別", max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    cancels = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancellation",
        verbose_name="取り消す請求書",
    )
    series = models.CharField("番号系列", max_length=20)
    sequence = models.PositiveIntegerField("連番")
    number = models.CharField("請求書番号", max_length=32, unique=True)
    issued_on = models.DateField("発行日")
    due_on = models.DateField("支払期限", null=True, blank=True)
    period_start = models.DateField("対象期間（開始）")
    period_end = models.DateField("対象期間（終了）")
    description = models.CharField("内容", max_length=200)
    amount = models.IntegerField("請求金額（税込）")
    amount_net = models.IntegerField("税抜金額")
    tax_rate = models.PositiveSmallIntegerField("税率（%）")
    tax_amount = models.IntegerField("消費税額")
    issuer_name = models.CharField("発行者", max_length=100)
    issuer_registration_number = models.CharField("登録番号", max_length=14, validators=[validate_registration_number])
    issuer_address = models.CharField("発行者住所", max_length=200, blank=True)
    issuer_contact = models.CharField("発行者連絡先", max_length=200, blank=True)
    payment_instructions = models.CharField("お支払い方法", max_length=300, blank=True)
    recipient_name = models.CharField("宛名", max_length=100)
    recipient_office_number = models.CharField("宛先事業所番号", max_length=10)
    recipient_postal_code = models.CharField("宛先郵便番号", max_length=8, blank=True)
    recipient_address = models.CharField("宛先住所", max_length=200, blank=True)
    note = models.CharField("備考", max_length=300, blank=True)
    issued_by = models.CharField("発行者（操作者）", max_length=254, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    objects = office_scoped("office", manager_class=InvoiceManager)

    class Meta:
        verbose_name = "請求書"
        verbose_name_plural = "請求書"
        ordering = ["-issued_on", "-series", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["series", "sequence"], name="billing_invoice_unique_sequence"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="invoice", cancels__isnull=True)
                    | models.Q(kind="cancellation", cancels__isnull=False)
                ),
                name="billing_invoice_cancellation_refers",
            ),
            models.CheckConstraint(
                condition=models.Q(amount=models.F("amount_net") + models.F("tax_amount")),
                name="billing_invoice_amount_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise InvoiceImmutable()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise InvoiceImmutable()

    @property
    def is_cancellation(self) -> bool:
        return self.kind == InvoiceKind.CANCELLATION

    @property
    def filename(self) -> str:
        return f"請求書_{self.number}.pdf" if not self.is_cancellation else f"取消請求書_{self.number}.pdf"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "銀行振込"
    KOKUHOREN = "kokuhoren", "国保連合会の介護給付費からの差引"
    OTHER = "other", "その他"


class Payment(models.Model):
    """入金: money received for an invoice (a payment may cover part of it)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name="請求書")
    received_on = models.DateField("入金日")
    amount = models.PositiveIntegerField("入金額（円）")
    method = models.CharField("入金方法", max_length=20, choices=PaymentMethod.choices)
    note = models.CharField("メモ", max_length=200, blank=True)
    recorded_by = models.CharField("記録者", max_length=254, blank=True)
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    objects = office_scoped("invoice__office")

    class Meta:
        verbose_name = "入金"
        verbose_name_plural = "入金"
        ordering = ["received_on", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="billing_payment_positive")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount}"


class InvoiceNumberSequence(models.Model):
    """The counter of one invoice number series (e.g. ``RK-2026``); locked while a number is taken."""

    series = models.CharField("番号系列", max_length=20, unique=True)
    last_value = models.PositiveIntegerField("最後の連番", default=0)

    class Meta:
        verbose_name = "請求書番号の系列"
        verbose_name_plural = "請求書番号の系列"

    def __str__(self) -> str:
        return f"{self.series}: {self.last_value}"


class ReminderKind(models.TextChoices):
    INVOICE_ISSUED = "invoice_issued", "請求書の発行"
    RENEWAL_DUE = "renewal_due", "更新のお知らせ"
    INVOICE_OVERDUE = "invoice_overdue", "お支払い期限の経過"
    LICENCE_LAPSED = "licence_lapsed", "ライセンスの失効"


class ReminderSent(models.Model):
    """One email about one event; the unique ``key`` makes sending it twice impossible."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="billing_reminders", verbose_name="事業所"
    )
    key = models.CharField("キー", max_length=100, unique=True)
    kind = models.CharField("種類", max_length=20, choices=ReminderKind.choices)
    recipients = models.PositiveSmallIntegerField("送信先の数", default=0)
    sent_at = models.DateTimeField("送信日時", auto_now_add=True)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "送信済みのお知らせ"
        verbose_name_plural = "送信済みのお知らせ"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key
