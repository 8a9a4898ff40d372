"""保険者番号 (介護保険): the check digit and the 保険者名.

The 6th digit of a 保険者番号 is a 検証番号 computed from the first five digits (都道府県番号 2
digits + 保険者別番号 3 digits) as 厚生労働省「保険者番号設定要領」 lays down:

1. multiply the digits, starting from the last one, by 2 and 1 in turn (left to right: 2,1,2,1,2);
2. add the products, a two-digit product counting as the sum of its two digits;
3. the check digit is 10 minus the last digit of that sum (0 when the last digit is 0).

E.g. 13101 → 2+3+2+0+2 = 9 → 10−9 = 1, so 131011 (千代田区) is valid and 131011 is not.
Source checked: the rule as quoted from the 保険者番号設定要領 at
http://www5f.biglobe.ne.jp/~h-it/mlcont/mc0124.htm and
https://iryoujimu-blog.com/2018/05/15/ (both cite the MHLW 設定要領 with a worked example).

保険者名 comes from the bundled starter list ``data/insurers.csv`` (its header names the sources),
else from the name the office already recorded for another 利用者 with the same 保険者番号.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

INSURERS_CSV = Path(__file__).with_name("data") / "insurers.csv"


def insurer_check_digit(first_five: str) -> int:
    """検証番号 of the first five digits of a 保険者番号."""
    total = 0
    for digit, weight in zip(first_five, (2, 1, 2, 1, 2)):
        product = int(digit) * weight
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def insurer_number_is_valid(number: str) -> bool:
    return len(number) == 6 and number.isdigit() and insurer_check_digit(number[:5]) == int(number[5])


@functools.lru_cache(maxsize=1)
def bundled_insurers() -> dict[str, str]:
    """保険者番号 → 保険者名 of the bundled starter list."""
    out: dict[str, str] = {}
    with INSURERS_CSV.open(encoding="utf-8") as fh:
        rows = [line for line in fh if line.strip() and not line.startswith("#")]
    for number, name in list(csv.reader(rows))[1:]:
        out[number.strip()] = name.strip()
    return out


def insurer_name_for(number: str, *, office=None) -> str:
    """The 保険者名 of a 保険者番号: the bundled list, else the office's own records ('' if unknown)."""
    name = bundled_insurers().get(number, "")
    if name or office is None:
        return name
    from portal.clients.models import Client

    return (
        Client.objects.filter(office=office, insurer_number=number)
        .exclude(insurer_name="")
        .order_by("-updated_at")
        .values_list("insurer_name", flat=True)
        .first()
        or ""
    )
