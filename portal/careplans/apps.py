from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "portal.careplans"
    verbose_name = "居宅サービス計画書"
