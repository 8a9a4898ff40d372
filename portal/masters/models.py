"""Dated master data (national tables, not office-owned, not scoped): サービスコード, 単位数単価,
人件費割合 groups and 区分支給限度基準額.

A row applies from ``valid_from`` to ``valid_to`` (inclusive; empty = open). They are loaded from the
CSV files in ``portal/masters/data/`` (see its README) by a data migration, and operators load newer
tables with ``manage.py import_service_codes`` / ``import_masters`` without a code change. This app
sits below the office apps: it knows no office data (``tests/structure/test_layers.py``).
"""

from __future__ import annotations

from datetime import date

from django.db import models


class CalcUnit(models.TextChoices):
    """算定単位."""

    PER_VISIT = "1", "回"
    PER_DAY = "2", "日"
    PER_MONTH = "3", "月"


class ServiceCode(models.Model):
    """One row of the 介護給付費単位数等サービスコード表 (サービス種類 + 項目 → 名称, 単位数 …)."""

    service_type_code = models.CharField("サービス種類コード", max_length=2)
    service_item_code = models.CharField("サービス項目コード", max_length=4)
    name = models.CharField("サービス名称", max_length=100)
    units = models.IntegerField("単位数", default=0, help_text="率で計算する加算・単位数を入力する福祉用具貸与は0")
    rate_permille = models.PositiveIntegerField(
        "率（1000分率）",
        null=True,
        blank=True,
        help_text="処遇改善加算など所定単位数に率を掛ける加算の率（例: 24.5% → 245）。",
    )
    calc_unit = models.CharField("算定単位", max_length=1, choices=CalcUnit.choices, default=CalcUnit.PER_VISIT)
    limit_target = models.BooleanField("区分支給限度基準額の対象", default=True)
    is_addon = models.BooleanField("加算・減算", default=False)
    units_entered = models.BooleanField("単位数を利用票で入力する（福祉用具貸与）", default=False)
    valid_from = models.DateField("適用開始日")
    valid_to = models.DateField("適用終了日", null=True, blank=True)
    source = models.CharField("出典", max_length=200, blank=True)
    care_levels = models.CharField(
        "要介護状態区分",
        max_length=30,
        blank=True,
        help_text="このコードを算定できる要介護状態区分（例: 21、複数は 21/22）。空欄は区分を問わない。",
    )

    class Meta:
        verbose_name = "サービスコード"
        verbose_name_plural = "サービスコード"
        ordering = ["service_type_code", "service_item_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_type_code", "service_item_code", "valid_from"],
                name="service_code_unique_from",
            ),
        ]
        indexes = [models.Index(fields=["service_type_code", "service_item_code"], name="service_code_lookup")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def code(self) -> str:
        return self.service_type_code + self.service_item_code

    @property
    def is_rate(self) -> bool:
        return self.rate_permille is not None

    @property
    def care_level_set(self) -> set[str]:
        return {v for v in self.care_levels.split("/") if v}

    def applies_to(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class CostShareGroup(models.Model):
    """Which 人件費割合 group (70% / 55% / 45% / その他) a サービス種類 belongs to."""

    class Group(models.TextChoices):
        P70 = "70", "70%"
        P55 = "55", "55%"
        P45 = "45", "45%"
        NONE = "00", "地域差なし（10円）"

    service_type_code = models.CharField("サービス種類コード", max_length=2)
    group = models.CharField("人件費割合", max_length=2, choices=Group.choices)
    valid_from = models.DateField("適用開始日")
    valid_to = models.DateField("適用終了日", null=True, blank=True)
    source = models.CharField("出典", max_length=200, blank=True)

    class Meta:
        verbose_name = "人件費割合（サービス種類別）"
        verbose_name_plural = "人件費割合（サービス種類別）"
        ordering = ["service_type_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["service_type_code", "valid_from"], name="cost_share_group_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.service_type_code}: {self.get_group_display()}"


class UnitPrice(models.Model):
    """単位数単価 (円) by 地域区分 × 人件費割合 group."""

    regional_grade = models.CharField("地域区分", max_length=1)
    group = models.CharField("人件費割合", max_length=2, choices=CostShareGroup.Group.choices)
    yen = models.DecimalField("単位数単価（円）", max_digits=5, decimal_places=2)
    valid_from = models.DateField("適用開始日")
    valid_to = models.DateField("適用終了日", null=True, blank=True)
    source = models.CharField("出典", max_length=200, blank=True)

    class Meta:
        verbose_name = "単位数単価"
        verbose_name_plural = "単位数単価"
        ordering = ["regional_grade", "group", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["regional_grade", "group", "valid_from"], name="unit_price_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.regional_grade}級地 {self.group}% {self.yen}"


class BenefitLimit(models.Model):
    """区分支給限度基準額 (units per month) by 要介護状態区分."""

    care_level = models.CharField("要介護状態区分", max_length=2)
    units = models.PositiveIntegerField("区分支給限度基準額（単位）")
    valid_from = models.DateField("適用開始日")
    valid_to = models.DateField("適用終了日", null=True, blank=True)
    source = models.CharField("出典", max_length=200, blank=True)

    class Meta:
        verbose_name = "区分支給限度基準額"
        verbose_name_plural = "区分支給限度基準額"
        ordering = ["care_level", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["care_level", "valid_from"], name="benefit_limit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.care_level}: {self.units}"
