from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "linkage.hub"
    label = "hub"
    verbose_name = "連携基盤（ハブ）"
    default_auto_field = "django.db.models.BigAutoField"
