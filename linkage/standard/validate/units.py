"""Send units: which file prefixes make which unit (:data:`UNIT_KINDS`, :func:`unit_kind_of`)."""

from __future__ import annotations

from collections.abc import Iterable

from ..codec import ZERO_MONTH

# --------------------------------------------------------------------------- send units

#: unit kind → (allowed prefixes, prefixes of which at least one is required, description)
UNIT_KINDS = {
    "plan": ({"UP1KYO", "UP2KYO", "UP3KYO", "UPHOSOKU"}, {"UP1KYO"}, "計画書（1表・2表・3表・利用者補足情報）"),
    "schedule": ({"UPPLAN", "UPSIKYU", "UPHOSOKU"}, {"UPPLAN"}, "利用票（6表・7表・利用者補足情報）"),
    "plan_delete": ({"DLT1KYO"}, {"DLT1KYO"}, "計画書第1表_削除"),
    "schedule_delete": ({"DLTPLAN"}, {"DLTPLAN"}, "第6表（サービス利用票）削除"),
    "actual": ({"UPJSK"}, {"UPJSK"}, "実績情報"),
    "actual_delete": ({"DLTJSK"}, {"DLTJSK"}, "実績情報_削除"),
    "prevention": (
        {"UPKIHON", "UPKIHON_SUB1", "UPKIHON_SUB2", "UPYOBO", "UPYOBO_SUB"},
        {"UPKIHON", "UPYOBO"},
        "利用者基本情報・介護予防サービス・支援計画書",
    ),
    "prevention_basic_delete": ({"DLTKIHON"}, {"DLTKIHON"}, "利用者基本情報_削除"),
    "prevention_plan_delete": ({"DLTYOBO"}, {"DLTYOBO"}, "介護予防サービス・支援計画書_削除"),
}


#: files §d-2 requires besides the parent (missing → the unit is incomplete: error). 3.2 plan units
#: (vol.1156) have no 3表.
def unit_kind_of(prefixes: Iterable[str], hosoku_month: str | None = None) -> str | None:
    """The send-unit kind that allows all ``prefixes`` (None when they cannot form one unit)."""
    ps = set(prefixes)
    if ps == {"UPHOSOKU"}:
        return "plan" if hosoku_month == ZERO_MONTH else "schedule"
    for kind, (allowed, _req, _d) in UNIT_KINDS.items():
        if ps <= allowed:
            if "UPHOSOKU" in ps and hosoku_month is not None:
                if kind == "plan" and hosoku_month != ZERO_MONTH:
                    continue
                if kind == "schedule" and hosoku_month == ZERO_MONTH:
                    continue
            return kind
    return None
