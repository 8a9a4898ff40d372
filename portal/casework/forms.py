from __future__ import annotations

from django import forms
from django.utils import timezone

from portal.casework.models import ContactKind, SupportLogEntry
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
