"""manage.py import_service_codes FILE — load a サービスコード CSV (layout: portal/masters/data/README.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.masters.loader import MasterFileError, import_master


class Command(BaseCommand):
    help = "サービスコード表のCSV（portal/masters/data/README.md の形式）を読み込みます。1行でも誤りがあれば何も変更しません。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSVファイル（UTF-8 または Shift_JIS）")
        parser.add_argument(
            "--source", default="", help="出典（例: 介護給付費単位数等サービスコード表 令和9年4月施行版）"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイルが見つかりません: {path}")
        try:
            result = import_master("service_codes", path.read_bytes(), source=options["source"] or path.name)
        except MasterFileError as exc:
            raise CommandError("読み込みを中止しました（何も変更していません）:\n" + "\n".join(exc.messages))
        self.stdout.write(f"サービスコード: 追加 {result.created} 件、更新 {result.updated} 件")
