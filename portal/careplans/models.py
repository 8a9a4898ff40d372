"""居宅サービス計画書: 第1表 (CarePlan), 第2表 (Need → Goal → ShortTermGoal → ServiceItem)
and 第3表 (WeeklyActivity, DailyActivity, CarePlan.non_weekly_services).

One ``CarePlan`` row is one version of a client's plan; its 居宅サービス計画作成（変更）日
(``plan_date``) is the key that links 1表/2表/3表/利用者補足情報 in the standard files. A change
creates a new row (``previous`` points at the version it was made from); the old one stays,
read-only. Only a draft (下書き) can be edited, and every write checks ``lock_version``
(optimistic lock, see ``services.py``).

Numbering of 第2表 (課題NO / 援助目標NO / 援助内容NO) is never typed: it is the order of
``position`` (kept contiguous by the services). 援助目標NO numbers the long-term goals of a
need; 援助内容NO numbers the service lines of a long-term goal across its short-term goals
(the standard's §d-6 example: a second short-term goal under the same long-term goal keeps
援助目標NO 1 and its line is 援助内容NO 3).

Models carry no side effects; writes live in ``portal/careplans/services/``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from portal.clients.models import CareLevel, CertificationStatus
from portal.offices.tenancy import office_scoped


class PlanCategory(models.TextChoices):
    """計画書区分 (§e(1))."""

    FIRST = "11", "初回"
    REFERRAL = "12", "紹介"
    CONTINUING = "21", "継続"
    FIRST_REFERRAL = "51", "初回・紹介"
    FIRST_CONTINUING = "52", "初回・継続"
    REFERRAL_CONTINUING = "53", "紹介・継続"
    ALL = "54", "初回・紹介・継続"


# 計画書区分 code ↔ the three boxes on the form (初回, 紹介, 継続).
_CATEGORY_FLAGS: dict[str, tuple[bool, bool, bool]] = {
    "11": (True, False, False),
    "12": (False, True, False),
    "21": (False, False, True),
    "51": (True, True, False),
    "52": (True, False, True),
    "53": (False, True, True),
    "54": (True, True, True),
}


def category_from_flags(first: bool, referral: bool, continuing: bool) -> str:
    """The 計画書区分 code for the ticked boxes ("" when none is ticked)."""
    wanted = (bool(first), bool(referral), bool(continuing))
    for code, flags in _CATEGORY_FLAGS.items():
        if flags == wanted:
            return code
    return ""


def flags_from_category(code: str) -> tuple[bool, bool, bool]:
    return _CATEGORY_FLAGS.get(code or "", (False, False, False))


class LivingSupportReason(models.TextChoices):
    """生活援助中心型の算定理由 (§e(4))."""

    ALONE = "1", "一人暮らし"
    FAMILY = "2", "家族等が障害、疾病等"
    OTHER = "3", "その他"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "下書き"
    CONFIRMED = "confirmed", "確定"
    DELIVERED = "delivered", "交付済"


class Weekday(models.IntegerChoices):
    """曜日 as the 3表 code (1 = 月曜日 … 7 = 日曜日)."""

    MON = 1, "月"
    TUE = 2, "火"
    WED = 3, "水"
    THU = 4, "木"
    FRI = 5, "金"
    SAT = 6, "土"
    SUN = 7, "日"


class CarePlan(models.Model):
    """居宅サービス計画書（1）第1表 — one version of a client's plan."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="care_plans", verbose_name="利用者"
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name="変更前の版",
    )

    plan_date = models.DateField("居宅サービス計画作成（変更）日")
    first_plan_date = models.DateField("初回居宅サービス計画作成日", null=True, blank=True)
    plan_category = models.CharField("計画書区分", max_length=2, choices=PlanCategory.choices, blank=True)
    certification_status = models.CharField("認定状況", max_length=1, choices=CertificationStatus.choices, blank=True)
    care_level = models.CharField("要介護状態区分", max_length=2, choices=CareLevel.choices, blank=True)
    certified_on = models.DateField("認定日", null=True, blank=True)
    cert_valid_from = models.DateField("認定の有効期間（開始）", null=True, blank=True)
    cert_valid_to = models.DateField("認定の有効期間（終了）", null=True, blank=True)
    user_intentions = models.TextField("利用者及び家族の生活に対する意向を踏まえた課題分析の結果", blank=True)
    committee_opinion = models.TextField("介護認定審査会の意見及びサービスの種類の指定", blank=True)
    support_policy = models.TextField("総合的な援助の方針", blank=True)
    living_support_reason = models.CharField(
        "生活援助中心型の算定理由", max_length=1, choices=LivingSupportReason.choices, blank=True
    )
    living_support_other = models.TextField("生活援助中心型の算定理由（その他）", blank=True)

    author = models.ForeignKey(
        "offices.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="居宅サービス計画作成者（介護支援専門員）",
    )
    author_name = models.CharField("居宅サービス計画作成者氏名", max_length=60, blank=True)
    # 居宅介護支援事業者・事業所名及び所在地: a snapshot of the office, refreshed while a draft.
    office_number = models.CharField("介護支援事業者コード", max_length=10, blank=True)
    office_name = models.CharField("居宅介護支援事業者・事業所名", max_length=100, blank=True)
    office_postal_code = models.CharField("事業所郵便番号", max_length=8, blank=True)
    office_address = models.CharField("事業所所在地", max_length=200, blank=True)

    # 第3表
    non_weekly_services = models.TextField("週単位以外のサービス", blank=True)

    status = models.CharField("状態", max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    lock_version = models.PositiveIntegerField("更新番号", default=1)
    confirmed_at = models.DateTimeField("確定日時", null=True, blank=True)

    # 交付 (explained to and agreed by the client, then handed over)
    explained_on = models.DateField("説明・同意日", null=True, blank=True)
    delivered_on = models.DateField("交付日", null=True, blank=True)
    delivered_to = models.CharField("交付先", max_length=100, blank=True)
    delivered_by = models.ForeignKey(
        "offices.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="交付した職員",
    )
    delivered_by_name = models.CharField("交付した職員の氏名", max_length=60, blank=True)
    delivery_note = models.TextField("交付の記録（説明内容など）", blank=True)
    # What the plan printed at 交付 (利用者, 認定, office, care manager): the 交付済 version shows it forever.
    snapshot = models.JSONField("交付時の記載内容", default=dict, blank=True)

    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    updated_by_name = models.CharField("最終更新者", max_length=60, blank=True)

    objects = office_scoped("client__office")

    class Meta:
        verbose_name = "居宅サービス計画書"
        verbose_name_plural = "居宅サービス計画書"
        ordering = ["client", "-plan_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "plan_date"],
                name="careplan_plan_date_unique_per_client",
                violation_error_message="この利用者には同じ居宅サービス計画作成（変更）日の計画書がすでにあります。",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status="draft"),
                name="careplan_one_draft_per_client",
                violation_error_message="この利用者には編集中の下書きがすでにあります。",
            ),
        ]
        indexes = [models.Index(fields=["status", "cert_valid_to"], name="careplan_status_cert_to")]

    def __str__(self) -> str:
        return f"居宅サービス計画書 {self.plan_date:%Y-%m-%d}"

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def is_delivered(self) -> bool:
        return self.status == PlanStatus.DELIVERED

    @property
    def category_flags(self) -> tuple[bool, bool, bool]:
        return flags_from_category(self.plan_category)


class Need(models.Model):
    """第2表 生活全般の解決すべき課題（ニーズ） — 課題NO = position."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="needs", verbose_name="計画書")
    position = models.PositiveSmallIntegerField("課題NO")
    text = models.TextField("生活全般の解決すべき課題（ニーズ）", blank=True)

    objects = office_scoped("plan__client__office")

    class Meta:
        verbose_name = "課題（ニーズ）"
        verbose_name_plural = "課題（ニーズ）"
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return f"課題{self.position}"


class Goal(models.Model):
    """第2表 長期目標 and its 期間 — 援助目標NO = position within the need."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="goals", verbose_name="課題")
    position = models.PositiveSmallIntegerField("援助目標NO")
    long_term_goal = models.TextField("長期目標", blank=True)
    long_from = models.DateField("長期目標の期間（開始）", null=True, blank=True)
    long_to = models.DateField("長期目標の期間（終了）", null=True, blank=True)

    objects = office_scoped("need__plan__client__office")

    class Meta:
        verbose_name = "長期目標"
        verbose_name_plural = "長期目標"
        ordering = ["need", "position", "pk"]

    def __str__(self) -> str:
        return f"援助目標{self.position}"


class ShortTermGoal(models.Model):
    """第2表 短期目標 and its 期間 (one or more per long-term goal)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="short_goals", verbose_name="長期目標")
    position = models.PositiveSmallIntegerField("順番")
    text = models.TextField("短期目標", blank=True)
    short_from = models.DateField("短期目標の期間（開始）", null=True, blank=True)
    short_to = models.DateField("短期目標の期間（終了）", null=True, blank=True)

    objects = office_scoped("goal__need__plan__client__office")

    class Meta:
        verbose_name = "短期目標"
        verbose_name_plural = "短期目標"
        ordering = ["goal", "position", "pk"]

    def __str__(self) -> str:
        return f"短期目標{self.position}"


class ServiceItem(models.Model):
    """第2表 援助内容: one service line (one UP2KYO record)."""

    short_goal = models.ForeignKey(
        ShortTermGoal, on_delete=models.CASCADE, related_name="items", verbose_name="短期目標"
    )
    position = models.PositiveSmallIntegerField("順番")
    content = models.TextField("サービス内容", blank=True)
    insurance_covered = models.BooleanField("保険給付対象（※1）", default=True)
    service_type_code = models.CharField("サービス種類コード", max_length=2, blank=True)
    service_kind = models.CharField("サービス種別", max_length=60, blank=True)
    provider_name = models.CharField("事業所名（※2）", max_length=100, blank=True)
    provider_office_number = models.CharField("事業所番号", max_length=10, blank=True)
    frequency = models.CharField("頻度", max_length=100, blank=True)
    period_from = models.DateField("期間（開始）", null=True, blank=True)
    period_to = models.DateField("期間（終了）", null=True, blank=True)

    objects = office_scoped("short_goal__goal__need__plan__client__office")

    class Meta:
        verbose_name = "援助内容"
        verbose_name_plural = "援助内容"
        ordering = ["short_goal", "position", "pk"]

    def __str__(self) -> str:
        return f"援助内容{self.position}"


class WeeklyActivity(models.Model):
    """第3表 週間サービス計画表: one service on one weekday (the 第6表 is filled from these)."""

    plan = models.ForeignKey(
        CarePlan, on_delete=models.CASCADE, related_name="weekly_activities", verbose_name="計画書"
    )
    weekday = models.PositiveSmallIntegerField("曜日", choices=Weekday.choices)
    start_time = models.TimeField("開始時刻")
    end_time = models.TimeField("終了時刻")
    content = models.TextField("介護サービス内容")
    service_type_code = models.CharField("サービス種類コード", max_length=2, blank=True)
    service_item_code = models.CharField("サービス項目コード", max_length=4, blank=True)
    provider_office_number = models.CharField("事業所番号", max_length=10, blank=True)

    objects = office_scoped("plan__client__office")

    class Meta:
        verbose_name = "週間サービス"
        verbose_name_plural = "週間サービス"
        ordering = ["plan", "weekday", "start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def service_code(self) -> str:
        """The 6-character サービスコード when both parts are set."""
        if self.service_type_code and self.service_item_code:
            return self.service_type_code + self.service_item_code
        return ""


class DailyActivity(models.Model):
    """第3表 主な日常生活上の活動 (e.g. 起床 6:00, 昼食 12:00–13:00)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="daily_activities", verbose_name="計画書")
    start_time = models.TimeField("開始時刻")
    end_time = models.TimeField("終了時刻", null=True, blank=True)
    content = models.CharField("主な日常生活上の活動", max_length=100)

    objects = office_scoped("plan__client__office")

    class Meta:
        verbose_name = "主な日常生活上の活動"
        verbose_name_plural = "主な日常生活上の活動"
        ordering = ["plan", "start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.start_time:%H:%M} {self.content}"
