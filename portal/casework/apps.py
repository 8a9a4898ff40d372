from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "portal.casework"
    verbose_name = "支援記録（支援経過・モニタリング）"
    default_auto_field = "django.db.models.BigAutoField"
