"""The アセスメント form: per item the structured choices (where the item has them) and free text; the 課題."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from portal.casework.assessment_items import STRUCTURE, field_name
from portal.casework.models import ASSESSMENT_ITEMS
from portal.core.forms import WarekiDateField

PROBLEM_ROWS_MIN = 6
PROBLEM_ROWS_SPARE = 2


class AssessmentForm(forms.Form):
    assessed_on = WarekiDateField(label="実施日")
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, assessment=None, problems=(), **kwargs):
        """``assessment``: the version whose content the page starts from (the previous one for a new version,
        the version itself when correcting it); ``problems``: its 課題 rows."""
        super().__init__(*args, **kwargs)
        self.items = []
        for no, label in ASSESSMENT_ITEMS:
            choice_names = []
            for key, choice_label, options in STRUCTURE.get(no, ()):
                name = field_name(no, key)
                self.fields[name] = forms.ChoiceField(label=choice_label, required=False, choices=[("", "—"), *options])
                choice_names.append(name)
            self.fields[f"item_{no}"] = forms.CharField(
                label=f"{no}. {label}", required=False, widget=forms.Textarea(attrs={"rows": 3 if no > 1 else 4})
            )
            self.items.append((no, label, choice_names))
        rows = max(PROBLEM_ROWS_MIN, len(problems) + PROBLEM_ROWS_SPARE)
        item_choices = [("", "（関連する項目）"), *[(str(no), f"{no}. {label}") for no, label in ASSESSMENT_ITEMS[9:]]]
        for i in range(1, rows + 1):
            self.fields[f"problem_{i}"] = forms.CharField(label=f"課題 {i}", required=False, max_length=500)
            self.fields[f"problem_{i}_item"] = forms.TypedChoiceField(
                label=f"課題 {i} の関連する項目", required=False, choices=item_choices, coerce=int, empty_value=None
            )
        self.problem_count = rows
        if not self.is_bound:
            self.initial.setdefault("assessed_on", timezone.localdate())
            if assessment is not None:
                for no, text in (assessment.items or {}).items():
                    self.initial.setdefault(f"item_{no}", text)
                for no, values in (assessment.choices or {}).items():
                    for key, value in values.items():
                        self.initial.setdefault(field_name(int(no), key), value)
                for i, problem in enumerate(problems, start=1):
                    self.initial[f"problem_{i}"] = problem.text
                    self.initial[f"problem_{i}_item"] = problem.item_no

    def item_groups(self):
        """(no, label, [bound choice fields], bound text field) per item, for the template."""
        return [(no, label, [self[n] for n in names], self[f"item_{no}"]) for no, label, names in self.items]

    def problem_fields(self):
        return [(self[f"problem_{i}"], self[f"problem_{i}_item"]) for i in range(1, self.problem_count + 1)]

    def clean_assessed_on(self):
        day = self.cleaned_data.get("assessed_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                "実施日: 未来の日付は記録できません。アセスメントを行った日を入力してください。"
            )
        return day

    def clean(self):
        data = super().clean()
        if not data.get(field_name(9, "reason")) and not (data.get("item_9") or "").strip():
            self.add_error(
                "item_9", "9. 今回のアセスメントの理由を選ぶか入力してください（初回・更新・区分変更など）。"
            )
        for i in range(1, self.problem_count + 1):
            if data.get(f"problem_{i}_item") and not (data.get(f"problem_{i}") or "").strip():
                self.add_error(
                    f"problem_{i}",
                    f"課題 {i}: 関連する項目を選んだ行に課題の内容がありません。内容を書くか、項目の選択を外してください。",
                )
        return data

    def record_data(self) -> dict:
        data = self.cleaned_data
        choices = {}
        for no, _label, names in self.items:
            values = {n.split("_", 2)[2]: data[n] for n in names if data.get(n)}
            if values:
                choices[str(no)] = values
        return {
            "assessed_on": data["assessed_on"],
            "choices": choices,
            "items": {str(no): data[f"item_{no}"].strip() for no, _label, _names in self.items},
        }

    def problems(self) -> list[dict]:
        return [
            {"text": self.cleaned_data[f"problem_{i}"].strip(), "item_no": self.cleaned_data[f"problem_{i}_item"]}
            for i in range(1, self.problem_count + 1)
            if (self.cleaned_data.get(f"problem_{i}") or "").strip()
        ]


class PlanFromAssessmentForm(forms.Form):
    """「この課題から計画書（第2表）を作る」: which 課題, and the new version's date (when there is no draft)."""

    plan_date = WarekiDateField(label="居宅サービス計画作成（変更）日", required=False)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, problems, draft=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.draft = draft
        self.fields["problems"] = forms.TypedMultipleChoiceField(
            label="第2表の「生活全般の解決すべき課題（ニーズ）」にする課題",
            coerce=int,
            choices=[(p.pk, p.text) for p in problems],
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": "計画書に入れる課題を1つ以上選んでください。"},
        )
        if not self.is_bound:
            self.initial["problems"] = [p.pk for p in problems]
            self.initial["plan_date"] = timezone.localdate()
            if draft is not None:
                self.initial["lock_version"] = draft.lock_version
        if draft is not None:
            del self.fields["plan_date"]

    def clean(self):
        data = super().clean()
        if (
            self.draft is None
            and "plan_date" in self.fields
            and not data.get("plan_date")
            and "plan_date" not in self.errors
        ):
            self.add_error("plan_date", "居宅サービス計画作成（変更）日を入力してください。")
        return data
