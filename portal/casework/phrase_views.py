"""定型文 of the office: a list the care managers and the admin maintain (one page, a formset)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render

from portal.casework.models import PhraseTemplate
from portal.core.forms import single_submit
from portal.offices.models import Role
from portal.offices.permissions import care_office_required


class PhraseForm(forms.ModelForm):
    class Meta:
        model = PhraseTemplate
        fields = ("text",)
        widgets = {"text": forms.TextInput(attrs={"size": 60})}
        error_messages = {"text": {"max_length": "定型文は200文字までにしてください。"}}


PhraseFormSet = forms.modelformset_factory(PhraseTemplate, form=PhraseForm, extra=3, can_delete=True, can_order=False)


@care_office_required(roles=(Role.CARE_MANAGER,))
@single_submit
def phrases(request):
    formset = PhraseFormSet(request.POST or None, queryset=PhraseTemplate.objects.all(), prefix="phrase")
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            position = 0
            for form in formset.forms:
                data = form.cleaned_data
                if not data:
                    continue
                if data.get("DELETE"):
                    if form.instance.pk:
                        form.instance.delete()
                    continue
                text = (data.get("text") or "").strip()
                if not text:
                    if form.instance.pk:
                        form.instance.delete()
                    continue
                position += 1
                phrase = form.instance
                phrase.office = request.office
                phrase.text, phrase.position = text, position
                phrase.updated_by_name = request.membership.name
                phrase.save()
        messages.success(request, "定型文を保存しました。")
        return redirect("casework:phrases")
    return render(
        request, "casework/phrases.html", {"formset": formset}, status=422 if request.method == "POST" else 200
    )
