"""The care manager's own records of a 利用者 (issue 18).

- ``SupportLogEntry``: 第5表 居宅介護支援経過, one dated contact or event per row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.clients.models import Client
from portal.offices.models import Membership, Office
from portal.offices.tenancy import office_scoped


class ContactKind(models.TextChoices):
    """種別 of a 支援経過 entry (how the care manager was in contact)."""

    VISIT = "visit", "訪問"
    PHONE = "phone", "電話"
    OFFICE_VISIT = "office_visit", "来所"
    FAX = "fax", "FAX"
    EMAIL = "email", "メール"
    ONLINE = "online", "オンライン"
    MEETING = "meeting", "会議"
    OTHER = "other", "その他"


class SupportLogEntry(models.Model):
    """第5表 居宅介護支援経過: one entry of the chronological support log of a 利用者."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="support_log", verbose_name="利用者")
    occurred_on = models.DateField("年月日")
    occurred_time = models.TimeField("時刻", null=True, blank=True)
    kind = models.CharField("種別", max_length=20, choices=ContactKind.choices)
    counterpart = models.CharField(
        "相手", max_length=100, blank=True, help_text="例: 本人・長女、ひまわり訪問介護 サービス提供責任者"
    )
    content = models.TextField("内容")
    # an event Renkei knew that the care manager added with one click ("plan_delivered:12", …); "" when typed
    source = models.CharField("記録のもとになった出来事", max_length=40, blank=True)
    written_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="記録者"
    )
    lock_version = models.PositiveIntegerField("更新番号", default=1)
    updated_by_name = models.CharField("最終更新者", max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = office_scoped("office")

    class Meta:
        ordering = ("occurred_on", "occurred_time", "pk")
        indexes = [models.Index(fields=("office", "client", "occurred_on"))]
        constraints = [
            models.UniqueConstraint(
                fields=("client", "source"), condition=~models.Q(source=""), name="casework_log_event_once"
            )
        ]
        verbose_name = "居宅介護支援経過"
        verbose_name_plural = "居宅介護支援経過"

    def __str__(self) -> str:
        return f"支援経過 {self.pk}"


# --------------------------------------------------------------------------- モニタリング


class MonitoringPlace(models.TextChoices):
    """Where the monthly monitoring took place (運営基準 第13条第14号)."""

    HOME = "home", "利用者の居宅（訪問）"
    ONLINE = "online", "テレビ電話装置等（オンライン）"
    OTHER = "other", "居宅以外（入院先など・特段の事情）"


class Achievement(models.TextChoices):
    ACHIEVED = "achieved", "達成"
    PARTLY = "partly", "一部達成"
    NOT_YET = "not_yet", "未達成"
    UNKNOWN = "unknown", "判断できない"


class Monitoring(models.Model):
    """The monthly monitoring record of a 利用者: one per month (the visit month)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="monitorings", verbose_name="利用者")
    plan = models.ForeignKey(
        "careplans.CarePlan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="対象の居宅サービス計画",
    )
    month = models.DateField("対象月")  # the first day of the visit month
    visited_on = models.DateField("実施日")
    place = models.CharField("実施場所", max_length=10, choices=MonitoringPlace.choices, default=MonitoringPlace.HOME)
    online_consent = models.BooleanField("利用者の同意を得ている", default=False)
    online_agreed = models.BooleanField(
        "サービス担当者会議等で主治医・担当者等の合意を得ている（状態が安定・意思疎通ができる・"
        "収集できない情報は事業者との連携で収集）",
        default=False,
    )
    special_reason = models.TextField("居宅で実施できなかった特段の事情", blank=True)
    service_status = models.TextField("サービスの実施状況", blank=True)
    client_view = models.TextField("利用者・家族の意見", blank=True)
    policy = models.TextField("今後の方針", blank=True)
    plan_change_needed = models.BooleanField("計画の変更が必要", default=False)
    written_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="記録者"
    )
    lock_version = models.PositiveIntegerField("更新番号", default=1)
    updated_by_name = models.CharField("最終更新者", max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = office_scoped("office")

    class Meta:
        ordering = ("-month",)
        constraints = [models.UniqueConstraint(fields=("client", "month"), name="casework_one_monitoring_a_month")]
        verbose_name = "モニタリング"
        verbose_name_plural = "モニタリング"

    def __str__(self) -> str:
        return f"モニタリング {self.pk}"

    @property
    def counts_as_visit(self) -> bool:
        """Whether this record fulfils the month's monitoring under the 運営基準 (see services)."""
        if self.place == MonitoringPlace.HOME:
            return True
        if self.place == MonitoringPlace.ONLINE:
            return self.online_consent and self.online_agreed
        return bool(self.special_reason.strip())


class GoalEvaluation(models.Model):
    """目標の達成状況 of one 第2表 短期目標 in a monitoring (the goal text is kept as written then)."""

    monitoring = models.ForeignKey(
        Monitoring, on_delete=models.CASCADE, related_name="evaluations", verbose_name="モニタリング"
    )
    short_goal = models.ForeignKey(
        "careplans.ShortTermGoal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="短期目標",
    )
    goal_text = models.TextField("短期目標（記録時）")
    achievement = models.CharField("達成状況", max_length=10, choices=Achievement.choices)
    note = models.TextField("状況・理由", blank=True)

    objects = office_scoped("monitoring__office")

    class Meta:
        ordering = ("monitoring", "pk")
        verbose_name = "目標の達成状況"
        verbose_name_plural = "目標の達成状況"


# --------------------------------------------------------------------------- 第4表 サービス担当者会議の要点


class ServiceMeeting(models.Model):
    """第4表 サービス担当者会議の要点, held for one version of the plan."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="service_meetings", verbose_name="利用者")
    plan = models.ForeignKey(
        "careplans.CarePlan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="対象の居宅サービス計画",
    )
    held_on = models.DateField("開催日")
    start_time = models.TimeField("開催時間（開始）", null=True, blank=True)
    end_time = models.TimeField("開催時間（終了）", null=True, blank=True)
    place = models.CharField("開催場所", max_length=100, help_text="例: 利用者宅、事業所会議室")
    online = models.BooleanField("テレビ電話装置等（オンライン）を活用した", default=False)
    sequence = models.PositiveSmallIntegerField("開催回数", null=True, blank=True)
    topics = models.TextField("検討した項目")
    discussion = models.TextField("検討内容", blank=True)
    conclusion = models.TextField("結論", blank=True)
    remaining_issues = models.TextField("残された課題", blank=True)
    next_meeting = models.CharField("次回の開催時期", max_length=100, blank=True)
    written_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="記録者"
    )
    lock_version = models.PositiveIntegerField("更新番号", default=1)
    updated_by_name = models.CharField("最終更新者", max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = office_scoped("office")

    class Meta:
        ordering = ("-held_on", "-pk")
        verbose_name = "サービス担当者会議の要点"
        verbose_name_plural = "サービス担当者会議の要点"

    def __str__(self) -> str:
        return f"担当者会議 {self.pk}"


class MeetingAttendee(models.Model):
    """会議出席者 (所属（職種）・氏名); an absent one with how their view was taken (照会)."""

    meeting = models.ForeignKey(
        ServiceMeeting, on_delete=models.CASCADE, related_name="attendees", verbose_name="担当者会議"
    )
    position = models.PositiveSmallIntegerField("順番", default=0)
    affiliation = models.CharField("所属（職種）", max_length=100)
    name = models.CharField("氏名", max_length=60)
    absent = models.BooleanField("欠席", default=False)
    absent_view = models.TextField("欠席者の意見（照会の方法と内容）", blank=True)

    objects = office_scoped("meeting__office")

    class Meta:
        ordering = ("meeting", "position", "pk")
        verbose_name = "会議出席者"
        verbose_name_plural = "会議出席者"


# --------------------------------------------------------------------------- アセスメント（課題分析標準項目）

# 課題分析標準項目 (23 items) as revised by 老認発1016第1号 (令和5年10月16日): No. 1–9 基本情報に関する項目,
# No. 10–23 課題分析（アセスメント）に関する項目.
ASSESSMENT_ITEMS = (
    (1, "基本情報（受付、利用者等基本情報）"),
    (2, "これまでの生活と現在の状況"),
    (3, "利用者の社会保障制度の利用情報"),
    (4, "現在利用している支援や社会資源の状況"),
    (5, "日常生活自立度（障害）"),
    (6, "日常生活自立度（認知症）"),
    (7, "主訴・意向"),
    (8, "認定情報"),
    (9, "今回のアセスメントの理由"),
    (10, "健康状態"),
    (11, "ADL"),
    (12, "IADL"),
    (13, "認知機能や判断能力"),
    (14, "コミュニケーションにおける理解と表出の状況"),
    (15, "生活リズム"),
    (16, "排泄の状況"),
    (17, "清潔の保持に関する状況"),
    (18, "口腔内の状況"),
    (19, "食事摂取の状況"),
    (20, "社会との関わり"),
    (21, "家族等の状況"),
    (22, "居住環境"),
    (23, "その他留意すべき事項・状況"),
)


class Assessment(models.Model):
    """アセスメント（課題分析）: one dated version; a new one starts from the previous one."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="assessments", verbose_name="利用者")
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="前回のアセスメント"
    )
    assessed_on = models.DateField("実施日")
    items = models.JSONField("課題分析標準項目", default=dict)  # {"1": "…", …, "23": "…"}
    # the structured fields of the items (see assessment_items.STRUCTURE): {"11": {"walking": "partial"}, …}
    choices = models.JSONField("課題分析標準項目（選択項目）", default=dict, blank=True)
    written_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="記録者"
    )
    lock_version = models.PositiveIntegerField("更新番号", default=1)
    updated_by_name = models.CharField("最終更新者", max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = office_scoped("office")

    class Meta:
        ordering = ("-assessed_on", "-pk")
        verbose_name = "アセスメント"
        verbose_name_plural = "アセスメント"

    def __str__(self) -> str:
        return f"アセスメント {self.pk}"

    def item_rows(self):
        """(no, label, structured rows, text) of the 23 items."""
        from portal.casework.assessment_items import rows

        structured = rows(self.choices)
        return [(no, label, structured.get(no, []), self.items.get(str(no), "")) for no, label in ASSESSMENT_ITEMS]

    @property
    def reason_label(self) -> str:
        from portal.casework.assessment_items import STRUCTURE

        value = (self.choices or {}).get("9", {}).get("reason")
        return dict(STRUCTURE[9][0][2]).get(value, "") if value else ""


class AssessmentProblem(models.Model):
    """A 課題 identified by an assessment (生活全般の解決すべき課題の候補); 第2表 needs can start from them."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="problem_rows", verbose_name="アセスメント"
    )
    position = models.PositiveSmallIntegerField("順番")
    text = models.TextField("課題")
    item_no = models.PositiveSmallIntegerField(
        "関連する項目", null=True, blank=True, choices=[(no, f"{no}. {label}") for no, label in ASSESSMENT_ITEMS]
    )

    objects = office_scoped("assessment__office")

    class Meta:
        ordering = ("assessment", "position", "pk")
        verbose_name = "課題"
        verbose_name_plural = "課題"


class PlanBasis(models.Model):
    """The assessment a plan version rests on (set when the plan's 第2表 needs were started from it)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    plan = models.OneToOneField(
        "careplans.CarePlan", on_delete=models.CASCADE, related_name="casework_basis", verbose_name="居宅サービス計画"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="plan_bases", verbose_name="アセスメント"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "計画の根拠となるアセスメント"
        verbose_name_plural = "計画の根拠となるアセスメント"


# --------------------------------------------------------------------------- 定型文 and drafts


class PhraseTemplate(models.Model):
    """定型文: a phrase the office keeps for the 支援経過 (inserted into the content with the keyboard)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    text = models.CharField("定型文", max_length=200)
    position = models.PositiveSmallIntegerField("順番", default=0)
    updated_by_name = models.CharField("最終更新者", max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = office_scoped("office")

    class Meta:
        ordering = ("position", "pk")
        verbose_name = "定型文"
        verbose_name_plural = "定型文"

    def __str__(self) -> str:
        return f"定型文 {self.pk}"


class CaseworkDraft(models.Model):
    """The half-written 支援経過 entry or モニタリング of one staff member for one 利用者 (autosave).

    Encrypted with ``RENKEI_ENCRYPTION_KEYS`` and expiring like the 利用者 registration draft. After the record is
    saved, the row stays empty (``encrypted_data`` "") with ``saved_at`` set, so the page can tell a device that
    kept a copy that its input arrived.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name="事業所")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="入力した人"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+", verbose_name="利用者")
    kind = models.CharField("種類", max_length=12)  # "log" | "monitoring"
    encrypted_data = models.TextField("入力内容（暗号化）", blank=True)
    saved_at = models.DateTimeField("保存日時")
    expires_at = models.DateTimeField("有効期限", db_index=True)

    objects = office_scoped("office")

    class Meta:
        verbose_name = "支援経過・モニタリングの下書き"
        verbose_name_plural = "支援経過・モニタリングの下書き"
        constraints = [
            models.UniqueConstraint(fields=("office", "author", "client", "kind"), name="casework_draft_unique")
        ]
