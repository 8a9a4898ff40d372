from __future__ import annotations

from django import forms
from django.utils import timezone

from portal.casework.models import (
    Achievement,
    ContactKind,
    MeetingAttendee,
    Monitoring,
    MonitoringPlace,
    ServiceMeeting,
    SupportLogEntry,
)
from portal.core.forms import WarekiDateField


class SupportLogEntryForm(forms.ModelForm):
    """One 支援経過 entry: everything on one screen, date prefilled with today."""

    class Meta:
        model = SupportLogEntry
        fields = ("occurred_on", "occurred_time", "kind", "counterpart", "content")
        field_classes = {"occurred_on": WarekiDateField}
        widgets = {
            "occurred_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "content": forms.Textarea(attrs={"rows": 5}),
        }
        error_messages = {
            "content": {"required": "内容を入力してください（空の記録は保存しません）。"},
            "kind": {"required": "種別（電話・訪問など）を選んでください。"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk and not self.is_bound:
            now = timezone.localtime()
            self.initial.setdefault("occurred_on", now.date())
            self.initial.setdefault("occurred_time", now.strftime("%H:%M"))
        self.fields["occurred_time"].error_messages["invalid"] = "時刻は 14:30 のように入力してください。"

    def clean_content(self):
        content = (self.cleaned_data.get("content") or "").strip()
        if not content:
            raise forms.ValidationError("内容を入力してください（空の記録は保存しません）。")
        return content

    def clean_occurred_on(self):
        day = self.cleaned_data.get("occurred_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("年月日: 未来の日付の経過は記録できません。実施した日を入力してください。")
        return day


class SupportLogEditForm(SupportLogEntryForm):
    """Correcting an entry: the page carries the version it was built from (optimistic lock)."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["lock_version"] = self.instance.lock_version

    def record_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class SupportLogFilterForm(forms.Form):
    """Filters of the 支援経過 list (GET)."""

    date_from = WarekiDateField(label="期間（から）", required=False)
    date_to = WarekiDateField(label="期間（まで）", required=False)
    kind = forms.ChoiceField(label="種別", required=False, choices=[("", "すべて"), *ContactKind.choices])
    q = forms.CharField(label="キーワード", required=False, max_length=100)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("期間の「から」が「まで」より後になっています。")
        return data


class MonitoringForm(forms.ModelForm):
    """The monthly monitoring, phone first: one column, the plan's 短期目標 each with its 達成状況."""

    class Meta:
        model = Monitoring
        fields = (
            "visited_on",
            "place",
            "online_consent",
            "online_agreed",
            "special_reason",
            "service_status",
            "client_view",
            "policy",
            "plan_change_needed",
        )
        field_classes = {"visited_on": WarekiDateField}
        widgets = {
            "place": forms.RadioSelect,
            "special_reason": forms.Textarea(attrs={"rows": 2}),
            "service_status": forms.Textarea(attrs={"rows": 3}),
            "client_view": forms.Textarea(attrs={"rows": 3}),
            "policy": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, client, short_goals=(), evaluations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.short_goals = list(short_goals)
        evaluations = evaluations or {}
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())
        if self.instance.pk:
            self.fields["lock_version"] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=self.instance.lock_version
            )
        self.goal_fields = []
        for goal in self.short_goals:
            name = f"goal_{goal.pk}"
            previous = evaluations.get(goal.pk)
            self.fields[name] = forms.ChoiceField(
                label=goal.text or goal.goal.long_term_goal or "（短期目標）",
                choices=Achievement.choices,
                widget=forms.RadioSelect,
                initial=previous.achievement if previous else None,
                error_messages={"required": f"短期目標「{(goal.text or '')[:30]}」の達成状況を選んでください。"},
            )
            self.fields[f"{name}_note"] = forms.CharField(
                label="状況・理由",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=previous.note if previous else "",
            )
            self.goal_fields.append((goal, self[name], self[f"{name}_note"]))

    def clean_visited_on(self):
        day = self.cleaned_data.get("visited_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("実施日: 未来の日付は記録できません。訪問した日を入力してください。")
        return day

    def clean(self):
        from portal.casework import services
        from portal.core.wareki import wareki_month

        data = super().clean()
        day, place = data.get("visited_on"), data.get("place")
        if day:
            month = services.month_start(day)
            others = Monitoring.objects.filter(client=self.client, month=month).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error(
                    "visited_on",
                    f"{wareki_month(month)}のモニタリングはすでに記録されています。"
                    "1か月に1件です。記録済みのものを修正してください。",
                )
            if self.instance.pk and services.month_start(self.instance.visited_on) != month:
                self.add_error("visited_on", "実施日は記録した月の中で修正してください（別の月は新しく記録します）。")
        if place == MonitoringPlace.ONLINE:
            if not (data.get("online_consent") and data.get("online_agreed")):
                self.add_error(
                    "place",
                    "オンライン（テレビ電話装置等）でのモニタリングは、利用者の同意と、サービス担当者会議等で"
                    "の主治医・担当者等の合意の両方が必要です。満たさない場合は居宅を訪問してください。",
                )
            elif day:
                previous = Monitoring.objects.filter(client=self.client, month=services.previous_month(day)).first()
                if previous is None or previous.place != MonitoringPlace.HOME:
                    self.add_error(
                        "place",
                        "前月に居宅を訪問したモニタリングの記録がありません。オンラインで実施できるのは、"
                        "少なくとも2月に1回は居宅を訪問している場合です。",
                    )
        if place == MonitoringPlace.OTHER and not (data.get("special_reason") or "").strip():
            self.add_error("special_reason", "居宅以外で実施した場合は、特段の事情（入院中など）を記入してください。")
        return data

    def evaluations(self) -> list[dict]:
        return [
            {
                "short_goal": goal,
                "goal_text": goal.text or goal.goal.long_term_goal,
                "achievement": self.cleaned_data[f"goal_{goal.pk}"],
                "note": self.cleaned_data.get(f"goal_{goal.pk}_note", ""),
            }
            for goal in self.short_goals
        ]

    def record_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ServiceMeetingForm(forms.ModelForm):
    plan = forms.ModelChoiceField(
        label="対象の居宅サービス計画（版）", queryset=None, required=False, help_text="この会議で検討した計画書の版。"
    )

    class Meta:
        model = ServiceMeeting
        fields = (
            "plan",
            "held_on",
            "start_time",
            "end_time",
            "place",
            "online",
            "sequence",
            "topics",
            "discussion",
            "conclusion",
            "remaining_issues",
            "next_meeting",
        )
        field_classes = {"held_on": WarekiDateField}
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "topics": forms.Textarea(attrs={"rows": 3}),
            "discussion": forms.Textarea(attrs={"rows": 5}),
            "conclusion": forms.Textarea(attrs={"rows": 4}),
            "remaining_issues": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "topics": {"required": "検討した項目を入力してください。"},
            "place": {"required": "開催場所を入力してください（オンラインの場合も、主な場所を）。"},
        }

    def __init__(self, *args, client, **kwargs):
        from portal.careplans.models import CarePlan
        from portal.core.wareki import wareki_date

        super().__init__(*args, **kwargs)
        plans = CarePlan.objects.filter(client=client).order_by("-plan_date", "-pk")
        self.fields["plan"].queryset = plans
        self.fields["plan"].label_from_instance = lambda p: (
            f"{wareki_date(p.plan_date)} 作成（変更）・{p.get_status_display()}"
        )
        self.fields["plan"].empty_label = "（計画書の版を選ぶ）"
        if self.instance.pk:
            self.fields["lock_version"] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=self.instance.lock_version
            )
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
            first = plans.first()
            if first:
                self.initial.setdefault("plan", first.pk)

    def clean_held_on(self):
        day = self.cleaned_data.get("held_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("開催日: 未来の日付は記録できません。会議を開いた日を入力してください。")
        return day

    def clean(self):
        data = super().clean()
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", "開催時間の終了が開始より前になっています。")
        return data

    def record_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class AttendeeForm(forms.ModelForm):
    class Meta:
        model = MeetingAttendee
        fields = ("affiliation", "name", "absent", "absent_view")
        widgets = {"absent_view": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "affiliation": {"required": "出席者の所属（職種）を入力してください。"},
            "name": {"required": "出席者の氏名を入力してください。"},
        }

    def clean(self):
        data = super().clean()
        if data.get("absent") and not (data.get("absent_view") or "").strip():
            self.add_error(
                "absent_view", "欠席者は、意見を照会した方法と内容を記入してください（運営基準: 担当者に照会）。"
            )
        return data


# A plain formset (no row ids): saving replaces the attendees, so a page built before another member's save still
# submits cleanly and the optimistic lock, not a vanished row id, decides.
AttendeeFormSet = forms.formset_factory(AttendeeForm, extra=4, can_delete=True)
