"""The main navigation. Who sees an entry is the rule its view declares (roles, office kind) on
``office_required`` — one place; entries whose URL does not exist are skipped."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, resolve, reverse

from portal.offices.permissions import view_allows


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str


NAV: tuple[NavItem, ...] = (
    NavItem("ダッシュボード", "dashboard"),
    NavItem("利用者", "clients:list"),
    NavItem("居宅サービス計画書", "careplans:list"),
    NavItem("サービス利用票", "schedules:list"),
    NavItem("受信箱", "exchange:inbox"),
    NavItem("送信", "exchange:outbox"),
    NavItem("予実の比較", "exchange:comparison"),
    NavItem("月次の締め", "claims:close"),
    NavItem("連携先", "partners:list"),
    NavItem("監査ログ", "partners:audit"),
    NavItem("帳票PDF", "documents:list"),
    NavItem("標準仕様CSVチェック", "exchange:check"),
    NavItem("経営分析", "billing:economics"),
    NavItem("スタッフ", "offices:staff"),
    NavItem("ライセンス・請求書", "billing:office"),
    NavItem("事業所設定", "offices:settings"),
    NavItem("事業所の本人確認", "offices:verification"),
    NavItem("データの書き出し", "exports:page"),
    NavItem("電子証明書", "exchange:certificates"),
)


def nav_for(request) -> list[dict]:
    office = getattr(request, "office", None)
    membership = getattr(request, "membership", None)
    if office is None or membership is None:
        return []
    items = []
    for item in NAV:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        if not view_allows(resolve(url).func, membership):
            continue
        active = request.path == url if url == "/dashboard/" else request.path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    # Only the most specific match is current (/partners/audit/ is 監査ログ, not 連携先 too).
    longest = max((len(i["url"]) for i in items if i["active"]), default=0)
    for i in items:
        i["active"] = i["active"] and len(i["url"]) == longest
    return items
