from django.apps import AppConfig


class PreventionConfig(AppConfig):
    name = "portal.prevention"
    verbose_name = "介護予防支援"
