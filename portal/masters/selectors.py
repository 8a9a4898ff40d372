"""Lookups in the dated master data for one service month (cached briefly per process)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q


def _valid_in(first: date, last: date) -> Q:
    return Q(valid_from__lte=last) & (Q(valid_to__isnull=True) | Q(valid_to__gte=first))


def _latest_by(rows, key):
    """Of rows sharing a key, keep the one with the latest valid_from."""
    out = {}
    for r in rows:
        k = key(r)
        if k not in out or r.valid_from > out[k].valid_from:
            out[k] = r
    return out


@dataclass
class MonthMasters:
    """The masters that apply to one service month, loaded in a fixed number of queries."""

    first: date
    last: date
    codes: dict  # 'TTIIII' → ServiceCode
    groups: dict  # kind → '70' | '55' | '45' | '00'
    prices: dict  # (grade, group) → Decimal
    limits: dict  # care level → units

    def code(self, code: str):
        return self.codes.get(code)

    def unit_price(self, *, regional_grade: str, service_type_code: str) -> Decimal:
        group = self.groups.get(service_type_code, "00")
        return self.prices.get((regional_grade, group), self.prices.get(("9", group), Decimal("10.00")))

    def benefit_limit(self, care_level: str) -> int | None:
        return self.limits.get(care_level)


# Masters change a few times a year; a month's lookups are kept for a short while in each process
# (cleared at once in the importing process; other processes see an import within CACHE_SECONDS).
CACHE_SECONDS = 60
_cache: dict[tuple, tuple[float, MonthMasters]] = {}


def clear_cache() -> None:
    _cache.clear()


def month_masters(
    month: date, *, service_codes: Iterable[str] | None = None, kinds: Iterable[str] | None = None
) -> MonthMasters:
    """Masters valid at some point in ``month``. ``service_codes``/``kinds`` narrow the code lookup
    (the full national table has thousands of rows); None loads every code of the month."""
    import time

    key = (
        month.replace(day=1),
        None if service_codes is None else frozenset(service_codes),
        None if kinds is None else frozenset(kinds),
    )
    hit = _cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    result = _month_masters(month, service_codes=service_codes, kinds=kinds)
    if len(_cache) > 512:
        _cache.clear()
    _cache[key] = (now, result)
    return result


def _month_masters(
    month: date, *, service_codes: Iterable[str] | None = None, kinds: Iterable[str] | None = None
) -> MonthMasters:
    import calendar

    from portal.masters.loader import ensure_loaded
    from portal.masters.models import BenefitLimit, CostShareGroup, ServiceCode, UnitPrice

    ensure_loaded()
    first = month.replace(day=1)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    period = _valid_in(first, last)
    qs = ServiceCode.objects.filter(period)
    filters = Q()
    narrowed = False
    if service_codes is not None:
        pairs = {(c[:2], c[2:]) for c in service_codes if len(c) == 6}
        for t, i in pairs:
            filters |= Q(service_type_code=t, service_item_code=i)
        narrowed = True
    if kinds is not None:
        kinds = set(kinds)
        if kinds:
            filters |= Q(service_type_code__in=kinds)
        narrowed = True
    if narrowed:
        qs = qs.filter(filters) if filters else qs.none()
    codes = _latest_by(qs, lambda r: r.code)
    groups = {
        k: r.group for k, r in _latest_by(CostShareGroup.objects.filter(period), lambda r: r.service_type_code).items()
    }
    prices = {
        k: r.yen for k, r in _latest_by(UnitPrice.objects.filter(period), lambda r: (r.regional_grade, r.group)).items()
    }
    limits = {k: r.units for k, r in _latest_by(BenefitLimit.objects.filter(period), lambda r: r.care_level).items()}
    return MonthMasters(first=first, last=last, codes=codes, groups=groups, prices=prices, limits=limits)


def benefit_limit_for(care_level: str, day: date) -> int | None:
    """区分支給限度基準額 for a care level on a day (None when the master has no row)."""
    from portal.masters.loader import ensure_loaded
    from portal.masters.models import BenefitLimit

    ensure_loaded()
    row = (
        BenefitLimit.objects.filter(care_level=care_level, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )
    return row.units if row else None


def service_code_units(codes: set[str], month: date) -> dict[str, int]:
    """単位数 of each of ``codes`` (サービスコード) valid in ``month`` (the latest version); unknown codes are left out."""
    from portal.masters.models import ServiceCode

    last = month.replace(day=28) + timedelta(days=4)
    last = last - timedelta(days=last.day)
    found: dict[str, tuple[date, int]] = {}
    rows = (
        ServiceCode.objects.filter(
            service_type_code__in={c[:2] for c in codes},
            service_item_code__in={c[2:] for c in codes},
            valid_from__lte=last,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .values_list("service_type_code", "service_item_code", "units", "valid_from")
    )
    for kind, item, units, valid_from in rows:
        code = kind + item
        if code in codes and (code not in found or valid_from > found[code][0]):
            found[code] = (valid_from, units)
    return {code: units for code, (_, units) in found.items()}
