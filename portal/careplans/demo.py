"""Demo 居宅サービス計画書 (``manage.py load_demo``): a plan with 第1〜3表 for the demo clients of
さくら居宅介護支援事業所 (made by ``portal/clients/demo.py``; nothing happens without them).

山田 太郎 and 高田 正雄 get a delivered plan (交付済), 森 千代子 a confirmed one, 佐々木 ハル a draft,
so every state can be seen. Plans are written through the services, like a care manager would.
Loading twice changes nothing: a client who already has a plan is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal.careplans import services
from portal.careplans.models import CarePlan
from portal.clients.models import Client
from portal.offices.models import Membership, Role

DEMO_OFFICE = "1310000001"

# insured number → (state, 第1表 texts, needs [(課題, 長期目標, 短期目標, [(サービス内容, 種類, 事業所番号, 事業所名, 頻度)])],
#                   weekly [(weekdays, start, end, content, kind, item code, office)], daily [(start, end, content)],
#                   週単位以外のサービス)
PLANS = {
    "0000100001": (
        "delivered",
        (
            "本人: 住み慣れた家で妻と暮らし続けたい。風呂には自分で入りたい。\n家族（妻）: 入浴の介助が負担なので手伝ってほしい。",
            "なし",
            "ご本人の「自宅で暮らし続けたい」という思いを大切に、入浴と外出の機会を確保し、奥様の介護負担を軽くします。\n"
            "緊急連絡先: 妻（同居）03-1234-0000、主治医: 西新宿クリニック",
        ),
        [
            (
                "一人で入浴するのが不安で、週に1回しか入浴できていない",
                "安全に入浴し、清潔を保てる",
                "介助を受けて週2回入浴できる",
                [
                    (
                        "入浴の介助（洗身・洗髪）、着替えの見守り",
                        "11",
                        "1370000011",
                        "ひまわり訪問介護ステーション",
                        "週2回",
                    )
                ],
            ),
            (
                "外出の機会が少なく、足腰が弱ってきている",
                "人と交流し、体力を保てる",
                "週2回デイサービスに通い、体操に参加できる",
                [
                    ("機能訓練・レクリエーション・昼食", "15", "1370000012", "あおぞらデイサービス", "週2回"),
                    ("送迎", "15", "1370000012", "あおぞらデイサービス", "週2回"),
                ],
            ),
        ],
        [
            ((1, 4), "09:00", "10:00", "訪問介護（身体介護）", "11", "1211", "1370000011"),
            ((2, 5), "09:30", "16:45", "通所介護", "15", "1521", "1370000012"),
        ],
        [("06:30", "", "起床"), ("12:00", "13:00", "昼食"), ("15:00", "", "散歩（妻と）"), ("21:00", "", "就寝")],
        "通院（月1回 西新宿クリニック、妻の付き添い）",
    ),
    "0000100003": (
        "delivered",
        (
            "本人: 料理や掃除はできる範囲で自分でしたい。\n家族（長男・別居）: 一人暮らしなので様子を見てほしい。",
            "なし",
            "一人暮らしの生活を続けられるよう、できることはご本人が行い、難しい家事を支援します。",
        ),
        [
            (
                "腰痛があり、掃除や買い物が難しい",
                "一人暮らしを続けられる",
                "週2回の家事援助で部屋を清潔に保てる",
                [("掃除・買い物の援助", "11", "1370000011", "ひまわり訪問介護ステーション", "週2回")],
            ),
        ],
        [
            ((2, 5), "14:00", "15:00", "訪問介護（生活援助）", "11", "7311", "1370000011"),
            ((1,), "09:30", "16:45", "通所介護", "15", "1511", "1370000012"),
        ],
        [("07:00", "", "起床"), ("22:00", "", "就寝")],
        "",
    ),
    "0000100004": (
        "confirmed",
        (
            "本人: 家で過ごしたい。\n家族（長女）: 朝と夕方の介助をお願いしたい。",
            "なし",
            "毎日の身体介護で在宅生活を支え、ご家族の就労との両立を支援します。",
        ),
        [
            (
                "朝夕の着替え・排せつに介助が必要",
                "自宅で安心して暮らせる",
                "毎日朝夕の介助で清潔に過ごせる",
                [("起床・就寝時の身体介護", "11", "1370000011", "ひまわり訪問介護ステーション", "毎日2回")],
            ),
        ],
        [
            ((1, 2, 3, 4, 5, 6, 7), "08:00", "09:30", "訪問介護（身体介護）", "11", "1311", "1370000011"),
            ((1, 2, 3, 4, 5, 6, 7), "18:00", "19:00", "訪問介護（身体介護）", "11", "1211", "1370000011"),
        ],
        [("07:30", "", "起床"), ("20:00", "", "就寝")],
        "",
    ),
    "0000100002": (
        "draft",
        ("本人: 友人とおしゃべりするのが楽しみ。", "", ""),
        [("日中一人で過ごす時間が長い", "", "", [("通所介護", "15", "1370000012", "あおぞらデイサービス", "週1回")])],
        [((3,), "09:30", "16:45", "通所介護", "15", "1511", "1370000012")],
        [],
        "",
    ),
}


def _time(text: str) -> dt.time | None:
    if not text:
        return None
    hour, minute = text.split(":")
    return dt.time(int(hour), int(minute))


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(y, m + 1, 1)


def load_app_demo(offices):
    office = offices.get(DEMO_OFFICE)
    if office is None:
        return
    clients = {
        c.insured_number: c
        for c in Client.objects.filter(office=office, insured_number__in=list(PLANS)).prefetch_related("certifications")
    }
    if not clients:
        return
    manager = (
        Membership.objects.filter(office=office, role=Role.CARE_MANAGER).first()
        or Membership.objects.filter(office=office).first()
    )
    today = timezone.localdate()
    for insured, spec in PLANS.items():
        client = clients.get(insured)
        if client is None or CarePlan.objects.filter(client=client).exists():
            continue
        _load_plan(client, manager, today, *spec)


def _load_plan(client, by, today, state, texts, needs, weekly, daily, non_weekly):
    s = services
    cert = client.certification_on(today) or next(iter(client.certifications.all()), None)
    start = cert.valid_from if cert else today.replace(day=1)
    end = cert.valid_to if cert else _add_months(start, 12) - dt.timedelta(days=1)
    plan_date = min(start + dt.timedelta(days=3), today)
    plan = s.plan_create(client=client, plan_date=plan_date, by=by)
    intentions, opinion, policy = texts
    s.plan_update_table1(
        plan=plan,
        lock_version=plan.lock_version,
        by=by,
        user_intentions=intentions,
        committee_opinion=opinion,
        support_policy=policy,
    )
    short_end = min(_add_months(start, 6) - dt.timedelta(days=1), end)
    for need_text, long_goal, short_goal, items in needs:
        need = s.need_add(plan=plan, lock_version=plan.lock_version, by=by, text=need_text)
        goal = need.goals.get()
        s.goal_update(
            goal=goal,
            lock_version=plan.lock_version,
            by=by,
            long_term_goal=long_goal,
            long_from=start if long_goal else None,
            long_to=end if long_goal else None,
        )
        short = goal.short_goals.get()
        s.short_goal_update(
            short_goal=short,
            lock_version=plan.lock_version,
            by=by,
            text=short_goal,
            short_from=start if short_goal else None,
            short_to=short_end if short_goal else None,
        )
        for content, kind, number, name, frequency in items:
            item = s.item_add(short_goal=short, lock_version=plan.lock_version, by=by)
            s.item_update(
                item=item,
                lock_version=plan.lock_version,
                by=by,
                content=content,
                insurance_covered=True,
                service_type_code=kind,
                service_kind="",
                provider_name=name,
                provider_office_number=number,
                frequency=frequency,
                period_from=start if short_goal else None,
                period_to=short_end if short_goal else None,
            )
    for days, begin, finish, content, kind, item_code, number in weekly:
        s.weekly_activity_add(
            plan=plan,
            lock_version=plan.lock_version,
            by=by,
            weekdays=list(days),
            values=s.WeeklyValues(_time(begin), _time(finish), content, kind, item_code, number),
        )
    for begin, finish, content in daily:
        s.daily_activity_add(
            plan=plan,
            lock_version=plan.lock_version,
            by=by,
            start_time=_time(begin),
            end_time=_time(finish),
            content=content,
        )
    if non_weekly:
        s.plan_update_non_weekly(plan=plan, lock_version=plan.lock_version, by=by, text=non_weekly)
    if state == "draft":
        return plan
    plan.refresh_from_db()
    plan = s.plan_confirm(plan=plan, lock_version=plan.lock_version, by=by)
    if state == "delivered":
        plan = s.plan_deliver(
            plan=plan,
            lock_version=plan.lock_version,
            by=by,
            delivered_on=plan_date,
            explained_on=plan_date,
            delivered_to=f"{client.full_name}（本人）",
            delivered_by=by,
            note="計画の内容を説明し、同意を得て交付した。",
        )
    return plan
