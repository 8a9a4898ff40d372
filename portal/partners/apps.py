from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "portal.partners"
    verbose_name = "連携先と同意"
