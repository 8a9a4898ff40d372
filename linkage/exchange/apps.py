from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "linkage.exchange"
    verbose_name = "データ連携"
