"""介護予防支援: 利用者基本情報 (UPKIHON + 別表1/別表2 + 家族構成画像) and
介護予防サービス・支援計画書 (UPYOBO + 別表 UPYOBO_SUB).

Layouts: ケアプランデータ連携標準仕様 4.1 appendix (介護予防支援等 files, 4.0+), see
/work/shared/spec/careplan-csv-4.1.md. Codes are stored as the standard writes them.
"""

from __future__ import annotations

from django.db import models

from portal.offices.tenancy import office_scoped


class PlanKind(models.TextChoices):
    SUPPORT = "1", "介護予防支援"
    CARE_MANAGEMENT = "2", "介護予防ケアマネジメント"


class Commission(models.TextChoices):
    OWN = "1", "自前"
    COMMISSIONED = "2", "委託"


class ConsultationMethod(models.TextChoices):
    VISIT = "01", "来所"
    PHONE = "02", "電話"
    OTHER = "03", "その他"


class ChecklistResult(models.TextChoices):
    TARGET = "1", "事業対象者の該当あり"
    NOT_TARGET = "2", "事業対象者の該当なし"


class BasicInfo(models.Model):
    """利用者基本情報 — one version per 相談日."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="prevention_basic_infos", verbose_name="利用者"
    )
    consultation_date = models.DateField("相談日")
    plan_kind = models.CharField("計画種類", max_length=1, choices=PlanKind.choices, default=PlanKind.SUPPORT)
    commission = models.CharField("委託の有無", max_length=1, choices=Commission.choices, default=Commission.OWN)
    author_name = models.CharField("作成担当者", max_length=60, blank=True)
    consultation_method = models.CharField("相談方法", max_length=2, choices=ConsultationMethod.choices, blank=True)
    consultation_method_other = models.CharField("相談方法（その他の内容）", max_length=100, blank=True)
    consultant_name = models.CharField("来所者（相談者）氏名", max_length=60, blank=True)
    consultant_relation = models.CharField("来所者（相談者）続柄", max_length=30, blank=True)
    consultant_phone = models.CharField("来所者（相談者）電話番号", max_length=15, blank=True)
    life_history = models.TextField("今までの生活（生活歴）", blank=True)
    daily_life = models.TextField("１日の生活・すごし方（生活全般）", blank=True)
    hobbies = models.TextField("趣味・楽しみ・特技", blank=True)
    community = models.TextField("友人・地域との関係", blank=True)
    family_situation = models.TextField("家族関係等の状況", blank=True)
    # 家族構成: a JPEG re-encoded on upload (no EXIF/GPS or other metadata survives), kept in the
    # database so no file name on disk carries anything about the 利用者.
    family_image = models.BinaryField("家族構成（画像）", null=True, blank=True, editable=False)
    checklist_result = models.CharField(
        "基本チェックリスト記入結果", max_length=1, choices=ChecklistResult.choices, blank=True
    )
    checklist_date = models.DateField("基本チェックリスト記入日", null=True, blank=True)
    consent_on = models.DateField("同意日", null=True, blank=True)
    consent_name = models.CharField("同意者氏名", max_length=60, blank=True)

    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = office_scoped("client__office")

    class Meta:
        verbose_name = "利用者基本情報"
        verbose_name_plural = "利用者基本情報"
        ordering = ["client", "-consultation_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "consultation_date"],
                name="prevention_basic_info_date_unique",
                violation_error_message="この利用者には同じ相談日の利用者基本情報がすでにあります。",
            ),
        ]

    def __str__(self) -> str:
        return f"利用者基本情報 {self.consultation_date:%Y-%m-%d}"


class Progress(models.TextChoices):
    TREATING = "01", "治療中"
    OBSERVING = "02", "経過観察中"
    OTHER = "03", "その他"


class MedicalHistory(models.Model):
    """別表2 現病歴・既往歴 — one row."""

    basic_info = models.ForeignKey(BasicInfo, on_delete=models.CASCADE, related_name="medical_histories")
    position = models.PositiveSmallIntegerField("順番", default=1)
    onset = models.CharField("年月日", max_length=30, blank=True, help_text="例：H12年10月、R2年4月")
    disease = models.CharField("病名", max_length=100, blank=True)
    institution = models.CharField("医療機関・医師名", max_length=100, blank=True)
    attending = models.BooleanField("主治医・意見作成者", default=False)
    phone = models.CharField("医療機関・医師電話番号", max_length=15, blank=True)
    progress = models.CharField("経過", max_length=2, choices=Progress.choices, blank=True)
    treatment = models.CharField("治療中の内容", max_length=200, blank=True)

    objects = office_scoped("basic_info__client__office")

    class Meta:
        ordering = ["basic_info", "position", "pk"]


class DailySchedule(models.Model):
    """別表1 １日の生活・すごし方（タイムスケジュール） — one row."""

    basic_info = models.ForeignKey(BasicInfo, on_delete=models.CASCADE, related_name="daily_schedules")
    position = models.PositiveSmallIntegerField("順番", default=1)
    time = models.CharField("時間", max_length=10, blank=True, help_text="例：6:00")
    self_status = models.CharField("本人の生活状況", max_length=200, blank=True)
    carer_status = models.CharField("介護者・家族の生活状況", max_length=200, blank=True)

    objects = office_scoped("basic_info__client__office")

    class Meta:
        ordering = ["basic_info", "position", "pk"]


class SupportLevel(models.TextChoices):
    SUPPORT_1 = "1", "要支援１"
    SUPPORT_2 = "2", "要支援２"
    BUSINESS = "3", "地域支援事業（事業対象者）"


class PreventionPlanStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    DELIVERED = "delivered", "交付済"


class PreventionPlan(models.Model):
    """介護予防サービス・支援計画書 — one version per 計画作成（変更）日."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="prevention_plans", verbose_name="利用者"
    )
    plan_date = models.DateField("計画作成（変更）日")
    first_plan_date = models.DateField("初回作成日", null=True, blank=True)
    plan_kind = models.CharField("計画種類", max_length=1, choices=PlanKind.choices, default=PlanKind.SUPPORT)
    commission = models.CharField("委託の有無", max_length=1, choices=Commission.choices, default=Commission.OWN)
    support_level = models.CharField("要支援状態区分", max_length=1, choices=SupportLevel.choices, blank=True)
    center_name = models.CharField("担当地域包括支援センター", max_length=100, blank=True)
    author_name = models.CharField("計画作成者氏名（担当介護支援専門員名）", max_length=60, blank=True)
    goal_day = models.TextField("目標とする生活（１日）", blank=True)
    goal_year = models.TextField("目標とする生活（１年）", blank=True)
    health_notes = models.TextField("健康状態について（留意点）", blank=True)
    unagreed_policy = models.TextField("【本来行うべき支援が実施できない場合】妥当な支援の実施に向けた方針", blank=True)
    overall_policy = models.TextField("総合的な方針：生活不活発病の改善・予防のポイント", blank=True)
    center_opinion = models.TextField("地域包括支援センター意見", blank=True)
    consent_on = models.DateField("計画に関する同意日", null=True, blank=True)
    consent_name = models.CharField("同意者氏名", max_length=60, blank=True)

    status = models.CharField(
        "状態", max_length=10, choices=PreventionPlanStatus.choices, default=PreventionPlanStatus.DRAFT
    )
    delivered_on = models.DateField("交付日", null=True, blank=True)
    delivered_to = models.CharField("交付先", max_length=100, blank=True)
    delivered_by_name = models.CharField("交付した職員の氏名", max_length=60, blank=True)
    # What the plan printed at 交付: the 交付済 version shows it forever (as CarePlan.snapshot).
    snapshot = models.JSONField("交付時の記載内容", default=dict, blank=True)

    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = office_scoped("client__office")

    class Meta:
        verbose_name = "介護予防サービス・支援計画書"
        verbose_name_plural = "介護予防サービス・支援計画書"
        ordering = ["client", "-plan_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "plan_date"],
                name="prevention_plan_date_unique",
                violation_error_message="この利用者には同じ計画作成（変更）日の計画書がすでにあります。",
            ),
        ]

    def __str__(self) -> str:
        return f"介護予防サービス・支援計画書 {self.plan_date:%Y-%m-%d}"

    @property
    def is_delivered(self) -> bool:
        return self.status == PreventionPlanStatus.DELIVERED


class PreventionIssue(models.Model):
    """別表: 総合的課題 with its 目標 (課題ＮＯ = position)."""

    plan = models.ForeignKey(PreventionPlan, on_delete=models.CASCADE, related_name="issues")
    position = models.PositiveSmallIntegerField("課題ＮＯ", default=1)
    text = models.TextField("総合的課題", blank=True)
    proposal = models.TextField("課題に対する目標と具体策の提案", blank=True)
    intention = models.TextField("具体策についての意向（本人・家族）", blank=True)
    goal = models.TextField("目標", blank=True)

    objects = office_scoped("plan__client__office")

    class Meta:
        ordering = ["plan", "position", "pk"]


class SupportPlan(models.Model):
    """別表: 支援計画 under one 課題 (支援計画ＮＯ = position)."""

    issue = models.ForeignKey(PreventionIssue, on_delete=models.CASCADE, related_name="supports")
    position = models.PositiveSmallIntegerField("支援計画ＮＯ", default=1)
    point = models.TextField("目標についての支援のポイント", blank=True)
    self_care = models.TextField("本人等のセルフケアや家族の支援、インフォーマルサービス", blank=True)
    formal_service = models.TextField("介護保険サービス又は地域支援事業", blank=True)

    objects = office_scoped("issue__plan__client__office")

    class Meta:
        ordering = ["issue", "position", "pk"]


class UsedService(models.Model):
    """別表: 利用サービス under one 支援計画 (利用サービスＮＯ = position)."""

    support = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="services")
    position = models.PositiveSmallIntegerField("利用サービスＮＯ", default=1)
    kind = models.CharField("サービス種別", max_length=100, blank=True)
    provider = models.CharField("事業所（利用先）", max_length=100, blank=True)
    period = models.CharField("期間", max_length=60, blank=True)

    objects = office_scoped("support__issue__plan__client__office")

    class Meta:
        ordering = ["support", "position", "pk"]
