from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "portal.claims"
    verbose_name = "月次の締め・給付管理票・請求"
    default_auto_field = "django.db.models.BigAutoField"
