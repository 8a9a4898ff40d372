"""The main navigation, by role and office kind. Entries whose URL does not exist are skipped."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from portal.offices.models import OfficeKind, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...] | None = None  # None: every member; admin always sees everything
    kinds: tuple[str, ...] | None = None  # None: every office kind


CM = (OfficeKind.CARE_MANAGEMENT,)
PROVIDER = (OfficeKind.PROVIDER,)

NAV: tuple[NavItem, ...] = (
    NavItem("ダッシュボード", "dashboard"),
    NavItem("利用者", "clients:list"),
    NavItem("居宅サービス計画書", "careplans:list", kinds=CM),
    NavItem("サービス利用票", "schedules:list"),
    NavItem("受信箱", "exchange:inbox"),
    NavItem("送信", "exchange:outbox"),
    NavItem("予実の比較", "exchange:comparison", kinds=CM),
    NavItem("連携先", "partners:list"),
    NavItem("監査ログ", "partners:audit", roles=(Role.ADMIN,)),
    NavItem("帳票PDF", "documents:list"),
    NavItem("標準仕様CSVチェック", "exchange:check"),
    NavItem("経営分析", "billing:economics", roles=(Role.ADMIN,), kinds=CM),
    NavItem("スタッフ", "offices:staff"),
    NavItem("ライセンス・請求書", "billing:office", roles=(Role.ADMIN, Role.CLERK)),
    NavItem("事業所設定", "offices:settings", roles=(Role.ADMIN,)),
    NavItem("データの書き出し", "exports:page", roles=(Role.ADMIN,)),
    NavItem("電子証明書", "exchange:certificates", roles=(Role.ADMIN,)),
)


def nav_for(request) -> list[dict]:
    office = getattr(request, "office", None)
    membership = getattr(request, "membership", None)
    if office is None or membership is None:
        return []
    kind = office.kind
    items = []
    for item in NAV:
        if item.kinds is not None and kind not in item.kinds:
            continue
        if item.roles is not None and not membership.is_admin and membership.role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = request.path == url if url == "/dashboard/" else request.path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    # Only the most specific match is current (/partners/audit/ is 監査ログ, not 連携先 too).
    longest = max((len(i["url"]) for i in items if i["active"]), default=0)
    for i in items:
        i["active"] = i["active"] and len(i["url"]) == longest
    return items
