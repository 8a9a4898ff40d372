"""manage.py import_masters KIND FILE — load a dated master table (unit prices, cost-share groups, benefit limits)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.masters.loader import KINDS, MasterFileError, import_master, load_bundled


class Command(BaseCommand):
    help = (
        "マスタCSVを読み込みます。KIND: service_codes / unit_prices / cost_share_groups / benefit_limits。"
        "--bundled で同梱のマスタ（令和6年度）をすべて読み込みます。"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", nargs="?", choices=sorted(KINDS))
        parser.add_argument("file", nargs="?")
        parser.add_argument("--source", default="")
        parser.add_argument("--bundled", action="store_true", help="同梱のマスタをすべて読み込む")

    def handle(self, *args, **options):
        if options["bundled"]:
            for kind, result in load_bundled().items():
                self.stdout.write(f"{kind}: 追加 {result.created} 件、更新 {result.updated} 件")
            return
        if not options["kind"] or not options["file"]:
            raise CommandError("KIND と FILE を指定してください（または --bundled）。")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイルが見つかりません: {path}")
        try:
            result = import_master(options["kind"], path.read_bytes(), source=options["source"] or path.name)
        except MasterFileError as exc:
            raise CommandError("読み込みを中止しました（何も変更していません）:\n" + "\n".join(exc.messages))
        self.stdout.write(f"{options['kind']}: 追加 {result.created} 件、更新 {result.updated} 件")
