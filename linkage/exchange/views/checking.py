"""標準仕様CSVチェック: validate dropped files and show the findings; nothing is stored."""

from __future__ import annotations

from django.shortcuts import render

from linkage.exchange.forms import CsvFilesForm
from portal.offices.permissions import office_required


@office_required
def csv_check(request):
    """標準仕様CSVチェック: validate dropped files and show the findings; nothing is stored."""
    from linkage.exchange.checking import check_uploaded

    form = CsvFilesForm(request.POST, request.FILES) if request.method == "POST" else CsvFilesForm()
    result = None
    if request.method == "POST" and form.is_valid():
        result = check_uploaded(
            [(f.name, f.read()) for f in form.cleaned_data["files"]], lenient=form.cleaned_data.get("lenient", False)
        )
    return render(request, "exchange/check.html", {"form": form, "result": result})
