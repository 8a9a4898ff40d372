"""Code lists the portal shows to users (names as on the official forms).

Source: 介護給付費単位数等サービスコード表 (サービス種類コード) and the
ケアプランデータ連携標準仕様 4.1 §a-8 (which kinds are exchanged).
"""

from django.db import models

# サービス種類コード → 名称. ``LINKED`` marks the kinds exchanged by the standard files.
SERVICE_KINDS: dict[str, str] = {
    "43": "居宅介護支援",
    "46": "介護予防支援",
    "11": "訪問介護",
    "12": "訪問入浴介護",
    "13": "訪問看護",
    "14": "訪問リハビリテーション",
    "15": "通所介護",
    "16": "通所リハビリテーション",
    "17": "福祉用具貸与",
    "21": "短期入所生活介護",
    "22": "短期入所療養介護（介護老人保健施設）",
    "23": "短期入所療養介護（介護療養型医療施設等）",
    "2A": "短期入所療養介護（介護医療院）",
    "31": "居宅療養管理指導",
    "71": "夜間対応型訪問介護",
    "72": "認知症対応型通所介護",
    "73": "小規模多機能型居宅介護",
    "76": "定期巡回・随時対応型訪問介護看護",
    "77": "看護小規模多機能型居宅介護",
    "78": "地域密着型通所介護",
    "A2": "訪問型サービス（独自）",
    "A6": "通所型サービス（独自）",
}

CARE_MANAGEMENT_KINDS = frozenset({"43", "46"})


def service_kind_name(code: str) -> str:
    return SERVICE_KINDS.get(code, code)


class RegionalGrade(models.TextChoices):
    """地域区分."""

    GRADE_1 = "1", "1級地"
    GRADE_2 = "2", "2級地"
    GRADE_3 = "3", "3級地"
    GRADE_4 = "4", "4級地"
    GRADE_5 = "5", "5級地"
    GRADE_6 = "6", "6級地"
    GRADE_7 = "7", "7級地"
    OTHER = "9", "その他"


PREFECTURES: dict[str, str] = {
    f"{i:02d}": name
    for i, name in enumerate(
        "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 "
        "新潟県 富山県 石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 "
        "奈良県 和歌山県 鳥取県 島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 "
        "熊本県 大分県 宮崎県 鹿児島県 沖縄県".split(),
        start=1,
    )
}
