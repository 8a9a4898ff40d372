"""Validators for the numbers care offices type; messages say what and how to fix it."""

import re

from django.core.exceptions import ValidationError

from portal.core.codes import PREFECTURES


def validate_office_number(value: str) -> None:
    """事業所番号: 10 digits, the first two a prefecture code 01–47."""
    if not re.fullmatch(r"[0-9]{10}", value or ""):
        raise ValidationError(
            "事業所番号は半角数字10桁で入力してください（例: 1310000001）。入力値: %(value)s",
            code="office_number_format",
            params={"value": value},
        )
    if value[:2] not in PREFECTURES:
        raise ValidationError(
            "事業所番号の先頭2桁は都道府県番号（01〜47）です。「%(prefix)s」は都道府県番号ではありません。",
            code="office_number_prefecture",
            params={"prefix": value[:2]},
        )
