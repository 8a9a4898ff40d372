from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "portal.offices"
    verbose_name = "事業所"
