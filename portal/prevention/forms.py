"""Forms of the 利用者基本情報 and the 介護予防サービス・支援計画書 pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from portal.core.forms import WarekiDateField, WarekiDateInput
from portal.prevention import services
from portal.prevention.models import BasicInfo, ChecklistResult, ConsultationMethod, PreventionPlan, Progress

DATE = WarekiDateInput()
TEXT = forms.Textarea(attrs={"rows": 2})


class BasicInfoForm(forms.ModelForm):
    family_image_upload = forms.FileField(
        label="家族構成（画像）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg"}),
        help_text=f"家族構成図（ジェノグラム）を JPEG（{settings.RENKEI_FAMILY_IMAGE_MAX_BYTES // (1024 * 1024)}MBまで）で。"
        "撮影日時や位置情報は取り除いて保存します。",
    )
    remove_family_image = forms.BooleanField(label="登録済みの家族構成の画像を削除する", required=False)

    class Meta:
        model = BasicInfo
        fields = [
            "consultation_date",
            "plan_kind",
            "commission",
            "author_name",
            "consultation_method",
            "consultation_method_other",
            "consultant_name",
            "consultant_relation",
            "consultant_phone",
            "life_history",
            "daily_life",
            "hobbies",
            "community",
            "family_situation",
            "checklist_result",
            "checklist_date",
            "consent_on",
            "consent_name",
        ]
        field_classes = {
            "consultation_date": WarekiDateField,
            "checklist_date": WarekiDateField,
            "consent_on": WarekiDateField,
        }
        widgets = {
            "consultation_date": DATE,
            "checklist_date": DATE,
            "consent_on": DATE,
            "plan_kind": forms.RadioSelect,
            "commission": forms.RadioSelect,
            "checklist_result": forms.RadioSelect,
            "life_history": forms.Textarea(attrs={"rows": 4}),
            "daily_life": TEXT,
            "hobbies": TEXT,
            "community": TEXT,
            "family_situation": TEXT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklist_result"].choices = [("", "未記入")] + list(ChecklistResult.choices)
        self.fields["consultation_method"].choices = [("", "―")] + list(ConsultationMethod.choices)

    def clean_family_image_upload(self):
        upload = self.cleaned_data.get("family_image_upload")
        if not upload:
            return None
        return services.family_image_clean(upload)

    def clean(self):
        data = super().clean()
        if data.get("consultation_method") == "03" and not (data.get("consultation_method_other") or "").strip():
            self.add_error("consultation_method_other", "相談方法が「その他」のときは、その内容を入力してください。")
        return data


class MedicalHistoryForm(forms.Form):
    onset = forms.CharField(
        label="年月日",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "例：R2年4月", "size": 9}),
    )
    disease = forms.CharField(label="病名", required=False, max_length=100)
    institution = forms.CharField(label="医療機関・医師名", required=False, max_length=100)
    attending = forms.BooleanField(label="主治医", required=False)
    phone = forms.CharField(label="電話番号", required=False, max_length=15, widget=forms.TextInput(attrs={"size": 12}))
    progress = forms.ChoiceField(label="経過", required=False, choices=[("", "―")] + list(Progress.choices))
    treatment = forms.CharField(label="治療中の内容", required=False, max_length=200)


class DailyScheduleForm(forms.Form):
    time = forms.CharField(
        label="時間",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "例：6:00", "size": 6}),
    )
    self_status = forms.CharField(label="本人の生活状況", required=False, max_length=200)
    carer_status = forms.CharField(label="介護者・家族の生活状況", required=False, max_length=200)


MedicalHistoryFormSet = forms.formset_factory(MedicalHistoryForm, extra=2, can_delete=True, max_num=30)
DailyScheduleFormSet = forms.formset_factory(DailyScheduleForm, extra=3, can_delete=True, max_num=48)


def formset_rows(formset) -> list[dict]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


class PreventionPlanForm(forms.ModelForm):
    class Meta:
        model = PreventionPlan
        fields = [
            "plan_date",
            "first_plan_date",
            "plan_kind",
            "commission",
            "support_level",
            "center_name",
            "author_name",
            "goal_day",
            "goal_year",
            "health_notes",
            "unagreed_policy",
            "overall_policy",
            "center_opinion",
            "consent_on",
            "consent_name",
        ]
        field_classes = {
            "plan_date": WarekiDateField,
            "first_plan_date": WarekiDateField,
            "consent_on": WarekiDateField,
        }
        widgets = {
            "plan_date": DATE,
            "first_plan_date": DATE,
            "consent_on": DATE,
            "plan_kind": forms.RadioSelect,
            "commission": forms.RadioSelect,
            "goal_day": TEXT,
            "goal_year": TEXT,
            "health_notes": TEXT,
            "unagreed_policy": TEXT,
            "overall_policy": forms.Textarea(attrs={"rows": 3}),
            "center_opinion": TEXT,
        }
        help_texts = {
            "first_plan_date": "空欄なら最初の版の計画作成日（この版が最初ならこの版の日付）にします。",
            "consent_on": "利用者（家族）から計画に同意を得た日。交付には同意日と同意者氏名が必要です。",
        }


class PlanRowForm(forms.Form):
    """One printed row of the 別表, as on paper: rows with the same 課題番号 belong to one 課題."""

    issue_no = forms.IntegerField(
        label="課題番号", min_value=1, max_value=99, required=False, widget=forms.NumberInput(attrs={"size": 3})
    )
    text = forms.CharField(label="総合的課題", required=False, widget=TEXT)
    proposal = forms.CharField(label="課題に対する目標と具体策の提案", required=False, widget=TEXT)
    intention = forms.CharField(label="具体策についての意向（本人・家族）", required=False, widget=TEXT)
    goal = forms.CharField(label="目標", required=False, widget=TEXT)
    point = forms.CharField(label="目標についての支援のポイント", required=False, widget=TEXT)
    self_care = forms.CharField(
        label="本人等のセルフケアや家族の支援、インフォーマルサービス", required=False, widget=TEXT
    )
    formal_service = forms.CharField(label="介護保険サービス又は地域支援事業", required=False, widget=TEXT)
    kind = forms.CharField(label="サービス種別", required=False, max_length=100)
    provider = forms.CharField(label="事業所（利用先）", required=False, max_length=100)
    period = forms.CharField(label="期間", required=False, max_length=60)

    ISSUE = ("text", "proposal", "intention", "goal")
    SUPPORT = ("point", "self_care", "formal_service")
    SERVICE = ("kind", "provider", "period")

    def clean(self):
        data = super().clean()
        filled = any((data.get(k) or "").strip() for k in self.ISSUE + self.SUPPORT + self.SERVICE)
        if filled and not data.get("issue_no"):
            self.add_error("issue_no", "この行の課題番号（1、2…）を入力してください。")
        return data


PlanRowFormSet = forms.formset_factory(PlanRowForm, extra=2, can_delete=True, max_num=99)


def rows_to_tree(rows: list[dict]) -> list[dict]:
    """Printed rows → 課題/支援計画/利用サービス tree (rows of one 課題 番号 are grouped in order;
    a row with 支援計画 text starts a new 支援計画, a row with only 利用サービス adds to the last one)."""
    issues: dict[int, dict] = {}
    for row in rows:
        if not row.get("issue_no"):
            continue
        issue = issues.setdefault(
            row["issue_no"], {"text": "", "proposal": "", "intention": "", "goal": "", "supports": []}
        )
        for k in PlanRowForm.ISSUE:
            if (row.get(k) or "").strip() and not issue[k]:
                issue[k] = row[k].strip()
        has_support = any((row.get(k) or "").strip() for k in PlanRowForm.SUPPORT)
        service = {k: (row.get(k) or "").strip() for k in PlanRowForm.SERVICE}
        if has_support or (any(service.values()) and not issue["supports"]):
            issue["supports"].append({**{k: (row.get(k) or "").strip() for k in PlanRowForm.SUPPORT}, "services": []})
        if any(service.values()):
            issue["supports"][-1]["services"].append(service)
    return [issues[n] for n in sorted(issues)]


def tree_to_rows(tree: list[dict]) -> list[dict]:
    """The saved 別表 as printed rows (課題 text on the first row of its 課題 only)."""
    rows = []
    for issue in tree:
        first = True
        for support in issue["supports"] or [None]:
            first_s = True
            for service in (support["services"] if support else []) or [None]:
                row = {"issue_no": issue["no"]}
                if first:
                    row.update({k: issue[k] for k in PlanRowForm.ISSUE})
                if support and first_s:
                    row.update({k: support[k] for k in PlanRowForm.SUPPORT})
                if service:
                    row.update({k: service[k] for k in PlanRowForm.SERVICE})
                rows.append(row)
                first = first_s = False
    return rows


class DeliverForm(forms.Form):
    delivered_on = WarekiDateField(label="交付日", widget=DATE)
    delivered_to = forms.CharField(label="交付先（利用者本人・家族の氏名）", max_length=100, required=False)


def apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            for msg in (m for e in errs for m in e.messages):
                form.add_error(field if field in form.fields else None, msg)
    else:
        for msg in error.messages:
            form.add_error(None, msg)
