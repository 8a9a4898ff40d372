from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "portal.schedules"
    verbose_name = "サービス利用票"
