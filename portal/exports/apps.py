from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "portal.exports"
    verbose_name = "データの書き出し"
