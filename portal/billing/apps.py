from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "portal.billing"
    verbose_name = "ライセンスと請求"
