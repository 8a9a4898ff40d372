"""サービス利用票 (第6表) with its lines and drafts.

The master data the 第7表 is calculated from (``ServiceCode``, ``UnitPrice``, ``CostShareGroup``,
``BenefitLimit``) lives in ``portal/masters``.

Models carry no side effects; writes live in ``portal/schedules/services.py``.
"""

from __future__ import annotations

import calendar
from datetime import date

from django.db import models

from portal.offices.tenancy import office_scoped

# --------------------------------------------------------------------------- 第6表


NO_TIME = "9999"  # 時間表示の無いサービス


class OverMode(models.TextChoices):
    """Where the units over the 区分支給限度基準額 fall (the care manager decides)."""

    AUTO = "auto", "標準（表の最後の行から順に限度超とする）"
    CHOSEN = "chosen", "限度超にする行と単位数を指定する"


class ServiceSchedule(models.Model):
    """サービス利用票（第6表）: one client's month (予定, and 実績 filled later by the providers)."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="schedules", verbose_name="利用者"
    )
    month = models.DateField("対象年月", help_text="月の1日")
    version = models.PositiveIntegerField("更新番号", default=1)
    created_on = models.DateField("作成年月日")
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    updated_by = models.ForeignKey(
        "offices.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最終更新者",
    )
    updated_by_name = models.CharField("最終更新者", max_length=60, blank=True)
    over_mode = models.CharField(
        "区分支給限度を超える単位の割り振り", max_length=6, choices=OverMode.choices, default=OverMode.AUTO
    )
    short_stay_days_before = models.PositiveIntegerField(
        "前月までの短期入所利用日数（入力）",
        null=True,
        blank=True,
        help_text="認定有効期間のうち前月までに短期入所を利用した日数。Renkeiに前月の利用票がないとき（Renkeiでの最初の月など）に"
        "介護支援専門員が入力するか、受信した利用票の値。空欄なら前月の利用票から計算する。",
    )

    objects = office_scoped("client__office")

    class Meta:
        verbose_name = "サービス利用票"
        verbose_name_plural = "サービス利用票"
        ordering = ["-month", "client"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "month"],
                name="schedule_client_month_unique",
                violation_error_message="この利用者のこの月のサービス利用票はすでにあります。",
            ),
        ]

    def __str__(self) -> str:
        return f"サービス利用票 {self.month:%Y-%m}"

    @property
    def days_in_month(self) -> int:
        return calendar.monthrange(self.month.year, self.month.month)[1]

    @property
    def last_day(self) -> date:
        return self.month.replace(day=self.days_in_month)


def empty_days() -> list[int]:
    return [0] * 31


class ServiceScheduleLine(models.Model):
    """One service line of a 第6表: provider, service code, time, and a count per day (1–31)."""

    schedule = models.ForeignKey(
        ServiceSchedule, on_delete=models.CASCADE, related_name="lines", verbose_name="サービス利用票"
    )
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)
    provider_office_number = models.CharField("事業所番号", max_length=10)
    provider_name = models.CharField("事業所名", max_length=100, blank=True)
    service_type_code = models.CharField("サービス種類コード", max_length=2)
    service_item_code = models.CharField("サービス項目コード", max_length=4)
    start_time = models.CharField(
        "開始時刻", max_length=4, default=NO_TIME, help_text="HHMM、時間表示の無いサービスは9999"
    )
    end_time = models.CharField("終了時刻", max_length=4, default=NO_TIME)
    planned_days = models.JSONField("予定（1〜31日の回数）", default=empty_days)
    actual_days = models.JSONField("実績（1〜31日の回数）", default=empty_days)
    prorated_days = models.CharField(
        "日割対象日",
        max_length=31,
        blank=True,
        help_text="日割の場合、31桁の0/1（1日目が先頭）。日割でない場合は空。",
    )
    units_entered = models.PositiveIntegerField(
        "単位数（入力）", null=True, blank=True, help_text="福祉用具貸与など単位数を入力するサービス"
    )
    tais_code = models.CharField("TAISコード", max_length=12, blank=True)
    notified_code = models.CharField("福祉用具届出コード", max_length=12, blank=True)
    equipment_name = models.CharField("用具名称（機種名）", max_length=100, blank=True)
    class_over_units = models.PositiveIntegerField(
        "区分支給限度基準を超える単位数（指定）",
        null=True,
        blank=True,
        help_text="割り振りを「指定する」にしたときに介護支援専門員が決めた、この行の限度超の単位数。",
    )
    discount_rate = models.PositiveSmallIntegerField(
        "割引後率（%・受信）",
        null=True,
        blank=True,
        help_text="受信した第7表の割引後率。自事業所の利用者では利用サービスに登録した割引後率が優先される。",
    )
    over30_received = models.CharField(
        "30日超の日（受信）",
        max_length=31,
        blank=True,
        help_text="受信した第6表で３０日超区分が1の日（31桁の0/1、1日目が先頭）。前月の利用票がない事業所でも30日超を引き継ぐ。",
    )
    satellite_branch = models.CharField(
        "サテライト枝番（受信）",
        max_length=2,
        blank=True,
        help_text="受信した第6表・実績のサテライト枝番。自事業所の利用者では利用サービスに登録した枝番が優先される。",
    )

    objects = office_scoped("schedule__client__office")

    class Meta:
        verbose_name = "サービス利用票の行"
        verbose_name_plural = "サービス利用票の行"
        ordering = ["schedule", "sort_order", "pk"]

    def __str__(self) -> str:
        return f"{self.service_code} {self.provider_office_number}"

    @property
    def service_code(self) -> str:
        return self.service_type_code + self.service_item_code

    @property
    def planned_total(self) -> int:
        return sum(int(n or 0) for n in self.planned_days)

    @property
    def actual_total(self) -> int:
        return sum(int(n or 0) for n in self.actual_days)


class ScheduleDraft(models.Model):
    """A half-filled 第6表 a member left (or could not save): kept until saved or discarded."""

    schedule = models.ForeignKey(
        ServiceSchedule, on_delete=models.CASCADE, related_name="drafts", verbose_name="サービス利用票"
    )
    author = models.ForeignKey("offices.Membership", on_delete=models.CASCADE, related_name="+", verbose_name="作成者")
    base_version = models.PositiveIntegerField("元にした更新番号")
    payload = models.JSONField("入力内容")
    saved_at = models.DateTimeField("保存日時", auto_now=True)

    objects = office_scoped("schedule__client__office")

    class Meta:
        verbose_name = "サービス利用票の下書き"
        verbose_name_plural = "サービス利用票の下書き"
        constraints = [
            models.UniqueConstraint(fields=["schedule", "author"], name="schedule_draft_unique_author"),
        ]
