"""Load demo data: offices and staff first, then whatever each app adds.

An app contributes demo data by having a module ``<app>.demo`` with a
function ``load_app_demo(offices: dict[str, Office])`` (keyed by 事業所番号).
"""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.offices import demo
from portal.offices.tenancy import scopes_disabled


class Command(BaseCommand):
    help = "デモ用の事業所・スタッフ（既知のパスワード）とデモデータを作成します。"

    def handle(self, *args, **options):
        with transaction.atomic(), scopes_disabled():
            loaded = demo.load()
            demo.load_operator()
            offices = {office.office_number: office for office, _ in loaded}
            for config in apps.get_app_configs():
                if config.name == "portal.offices":
                    continue
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name == f"{config.name}.demo":
                        continue
                    raise
                module.load_app_demo(offices)
        self.stdout.write("デモデータを用意しました。次のアカウントでログインできます。")
        self.stdout.write(f"パスワード（全員共通）: {demo.DEMO_PASSWORD}")
        for office, people in loaded:
            self.stdout.write(f"  {office.name}（{office.office_number}, {office.kind_label}）")
            for email, display, role in people:
                self.stdout.write(f"    {email:<28} {display}（{role}）")
        self.stdout.write(f"  運営者（管理画面 /operator/admin/）: {demo.OPERATOR_EMAIL}")
