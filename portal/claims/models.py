"""月次の締め: 実績 confirmations (versioned), the 国保連 files made from them, who downloaded them.

Every model belongs to one office (``office_scoped``). A confirmation is never changed: a later
correction is a new version; the file that carried a version is the only thing set afterwards.
"""

from __future__ import annotations

from django.db import models

from portal.offices.models import Membership, Office
from portal.offices.tenancy import office_scoped


class StatementKind(models.TextChoices):
    NEW = "1", "新規"
    CORRECTION = "2", "修正"
    CANCELLATION = "3", "取消"


class CareManagerNumber(models.Model):
    """介護支援専門員番号 (8 digits) of a member, printed on the 給付管理票 and the 明細書."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="care_manager_number")
    number = models.CharField("介護支援専門員番号", max_length=8)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "介護支援専門員番号"
        verbose_name_plural = "介護支援専門員番号"


def _file_pdf_path(file: TransmissionFile, filename: str) -> str:
    return f"claims/{file.office_id}/{file.month:%Y%m}/file-{file.pk}.pdf"  # ids only, no personal data


class TransmissionFile(models.Model):
    """One 国保連 interface file (データ種別 821 給付管理票 / 711 請求) kept with its service month."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    month = models.DateField("サービス提供年月")
    process_month = models.DateField("処理対象年月（請求月）")
    data_type = models.CharField("データ種別", max_length=3)
    name = models.CharField("ファイル名", max_length=20)
    content = models.BinaryField("内容", editable=False)
    record_count = models.PositiveIntegerField("レコード件数")
    client_count = models.PositiveIntegerField("利用者数")
    summary = models.JSONField("要約", default=dict)  # ids and codes only: missing-実績 reasons by client id
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by_name = models.CharField("作成者", max_length=120, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    # Its paper (請求書・明細書 / 給付管理票), rendered once by the worker (portal.claims.file_pdf);
    # the content never changes after the file is kept, so the PDF is served again as is.
    pdf = models.FileField("PDF", upload_to=_file_pdf_path, blank=True, editable=False)

    objects = office_scoped("office")

    class Meta:
        ordering = ["-created_at", "-pk"]

    @property
    def data_type_label(self) -> str:
        return {"821": "給付管理票", "711": "介護給付費請求書・明細書"}.get(self.data_type, self.data_type)


class ActualConfirmation(models.Model):
    """The care manager's confirmation of one 利用者's 実績 for a month (版 1, 2, …).

    ``statement`` is the 給付管理票 computed at confirmation (``portal.claims.benefit.Statement``
    as JSON) so the sheet and the file show what was confirmed even if 実績 change later.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+", verbose_name="利用者")
    month = models.DateField("サービス提供年月")
    version = models.PositiveIntegerField("版")
    kind = models.CharField("作成区分", max_length=1, choices=StatementKind.choices, default=StatementKind.NEW)
    statement = models.JSONField("給付管理票", default=dict)
    missing_reason = models.TextField("実績が届いていない理由", blank=True)
    missing = models.JSONField("実績が届いていない事業所", default=list)
    differences_acknowledged = models.PositiveIntegerField("確認した予実の違い（行数）", default=0)
    confirmed_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    confirmed_by_name = models.CharField("確定者", max_length=120, blank=True)
    confirmed_at = models.DateTimeField("確定日時", auto_now_add=True)
    file = models.ForeignKey(
        TransmissionFile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="confirmations",
        verbose_name="載せたファイル",
    )

    objects = office_scoped("office")

    class Meta:
        ordering = ["client_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "month", "version"], name="claims_confirmation_version_unique")
        ]

    def __str__(self) -> str:
        return f"実績確定 第{self.version}版"


class FileDownload(models.Model):
    """Who downloaded a 国保連 file, and when."""

    file = models.ForeignKey(TransmissionFile, on_delete=models.CASCADE, related_name="downloads")
    by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_name = models.CharField("ダウンロードした人", max_length=120, blank=True)
    at = models.DateTimeField("日時", auto_now_add=True)

    objects = office_scoped("file__office")

    class Meta:
        ordering = ["-at"]


class KyotakuSettings(models.Model):
    """How the office bills its own 居宅介護支援費 (事業所の体制)."""

    class System(models.TextChoices):
        AUTO = "", "自動（ケアプランデータ連携の利用と事務職員の配置から判定）"
        ONE = "I", "居宅介護支援費（Ⅰ）"
        TWO = "II", "居宅介護支援費（Ⅱ）"

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="+")
    system = models.CharField("居宅介護支援費の区分", max_length=2, choices=System.choices, blank=True, default="")
    fte = models.DecimalField("常勤換算の介護支援専門員数", max_digits=4, decimal_places=1, default=1)
    specific_addon = models.CharField(
        "特定事業所加算",
        max_length=1,
        blank=True,
        default="",
        choices=[("", "なし"), ("1", "（Ⅰ）"), ("2", "（Ⅱ）"), ("3", "（Ⅲ）"), ("A", "（A）")],
    )
    concentration = models.BooleanField("特定事業所集中減算に該当する", default=False)

    objects = office_scoped("office")


class KyotakuEntry(models.Model):
    """The add-ons and reductions the office entered for one 利用者 and month."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("サービス提供年月")
    addons = models.JSONField("加算", default=list)
    reductions = models.JSONField("減算", default=list)
    updated_at = models.DateTimeField(auto_now=True)

    objects = office_scoped("office")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "month"], name="claims_kyotaku_entry_unique")]


class Rejection(models.Model):
    """返戻 / 査定 notified by the 国保連 for a 利用者's month (recorded by the office).

    A 返戻 of the 給付管理票 means the 国保連 did not register it: the next file carries it again
    as 新規 (not 修正).
    """

    class Kind(models.TextChoices):
        RETURNED = "returned", "返戻"
        ASSESSED = "assessed", "査定"

    class Target(models.TextChoices):
        BENEFIT = "benefit", "給付管理票"
        CLAIM = "claim", "居宅介護支援費の明細書"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("サービス提供年月")
    kind = models.CharField("種類", max_length=10, choices=Kind.choices)
    target = models.CharField("対象", max_length=10, choices=Target.choices)
    note = models.CharField("理由・内容", max_length=200)
    recorded_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_by_name = models.CharField("記録者", max_length=120, blank=True)
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    objects = office_scoped("office")

    class Meta:
        ordering = ["-recorded_at"]
