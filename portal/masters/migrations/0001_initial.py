"""The dated master data moves here from ``schedules`` with its rows.

The models first take over the existing tables in the migration state only (``schedules`` drops them
from its state in its 0005), then the tables are renamed to this app's names. A fresh database
gets them from ``schedules`` 0001–0004 (which also load the bundled files) before this runs.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("schedules", "0004_chosen_over_limit_allocation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BenefitLimit",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("care_level", models.CharField(max_length=2, verbose_name="要介護状態区分")),
                        ("units", models.PositiveIntegerField(verbose_name="区分支給限度基準額（単位）")),
                        ("valid_from", models.DateField(verbose_name="適用開始日")),
                        ("valid_to", models.DateField(blank=True, null=True, verbose_name="適用終了日")),
                        ("source", models.CharField(blank=True, max_length=200, verbose_name="出典")),
                    ],
                    options={
                        "db_table": "schedules_benefitlimit",
                        "verbose_name": "区分支給限度基準額",
                        "verbose_name_plural": "区分支給限度基準額",
                        "ordering": ["care_level", "-valid_from"],
                        "constraints": [
                            models.UniqueConstraint(fields=("care_level", "valid_from"), name="benefit_limit_unique")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CostShareGroup",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("service_type_code", models.CharField(max_length=2, verbose_name="サービス種類コード")),
                        (
                            "group",
                            models.CharField(
                                choices=[("70", "70%"), ("55", "55%"), ("45", "45%"), ("00", "地域差なし（10円）")],
                                max_length=2,
                                verbose_name="人件費割合",
                            ),
                        ),
                        ("valid_from", models.DateField(verbose_name="適用開始日")),
                        ("valid_to", models.DateField(blank=True, null=True, verbose_name="適用終了日")),
                        ("source", models.CharField(blank=True, max_length=200, verbose_name="出典")),
                    ],
                    options={
                        "db_table": "schedules_costsharegroup",
                        "verbose_name": "人件費割合（サービス種類別）",
                        "verbose_name_plural": "人件費割合（サービス種類別）",
                        "ordering": ["service_type_code", "-valid_from"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("service_type_code", "valid_from"), name="cost_share_group_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ServiceCode",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("service_type_code", models.CharField(max_length=2, verbose_name="サービス種類コード")),
                        ("service_item_code", models.CharField(max_length=4, verbose_name="サービス項目コード")),
                        ("name", models.CharField(max_length=100, verbose_name="サービス名称")),
                        (
                            "units",
                            models.IntegerField(
                                default=0,
                                help_text="率で計算する加算・単位数を入力する福祉用具貸与は0",
                                verbose_name="単位数",
                            ),
                        ),
                        (
                            "rate_permille",
                            models.PositiveIntegerField(
                                blank=True,
                                help_text="処遇改善加算など所定単位数に率を掛ける加算の率（例: 24.5% → 245）。",
                                null=True,
                                verbose_name="率（1000分率）",
                            ),
                        ),
                        (
                            "calc_unit",
                            models.CharField(
                                choices=[("1", "回"), ("2", "日"), ("3", "月")],
                                default="1",
                                max_length=1,
                                verbose_name="算定単位",
                            ),
                        ),
                        ("limit_target", models.BooleanField(default=True, verbose_name="区分支給限度基準額の対象")),
                        ("is_addon", models.BooleanField(default=False, verbose_name="加算・減算")),
                        (
                            "units_entered",
                            models.BooleanField(default=False, verbose_name="単位数を利用票で入力する（福祉用具貸与）"),
                        ),
                        ("valid_from", models.DateField(verbose_name="適用開始日")),
                        ("valid_to", models.DateField(blank=True, null=True, verbose_name="適用終了日")),
                        ("source", models.CharField(blank=True, max_length=200, verbose_name="出典")),
                        (
                            "care_levels",
                            models.CharField(
                                blank=True,
                                help_text="このコードを算定できる要介護状態区分（例: 21、複数は 21/22）。空欄は区分を問わない。",
                                max_length=30,
                                verbose_name="要介護状態区分",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "schedules_servicecode",
                        "verbose_name": "サービスコード",
                        "verbose_name_plural": "サービスコード",
                        "ordering": ["service_type_code", "service_item_code", "-valid_from"],
                        "indexes": [
                            models.Index(fields=["service_type_code", "service_item_code"], name="service_code_lookup")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("service_type_code", "service_item_code", "valid_from"),
                                name="service_code_unique_from",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="UnitPrice",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("regional_grade", models.CharField(max_length=1, verbose_name="地域区分")),
                        (
                            "group",
                            models.CharField(
                                choices=[("70", "70%"), ("55", "55%"), ("45", "45%"), ("00", "地域差なし（10円）")],
                                max_length=2,
                                verbose_name="人件費割合",
                            ),
                        ),
                        ("yen", models.DecimalField(decimal_places=2, max_digits=5, verbose_name="単位数単価（円）")),
                        ("valid_from", models.DateField(verbose_name="適用開始日")),
                        ("valid_to", models.DateField(blank=True, null=True, verbose_name="適用終了日")),
                        ("source", models.CharField(blank=True, max_length=200, verbose_name="出典")),
                    ],
                    options={
                        "db_table": "schedules_unitprice",
                        "verbose_name": "単位数単価",
                        "verbose_name_plural": "単位数単価",
                        "ordering": ["regional_grade", "group", "-valid_from"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("regional_grade", "group", "valid_from"), name="unit_price_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="benefitlimit", table=None),
        migrations.AlterModelTable(name="costsharegroup", table=None),
        migrations.AlterModelTable(name="servicecode", table=None),
        migrations.AlterModelTable(name="unitprice", table=None),
    ]
