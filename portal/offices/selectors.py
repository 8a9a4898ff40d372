"""Read-only questions about an office that other apps ask (who sends, as what)."""

from __future__ import annotations

from portal.core.codes import CARE_MANAGEMENT_KINDS


def sender_kind_of(office) -> str:
    """The sender's サービス種類コード in file names and packages: 43 (居宅介護支援), or 46 when the office
    is a 介護予防支援 office only. An office with no care-management kind sends as 43."""
    codes = set(office.service_type_codes)
    if "43" in codes or not (codes & CARE_MANAGEMENT_KINDS):
        return "43"
    return "46"
