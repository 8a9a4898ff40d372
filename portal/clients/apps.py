from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "portal.clients"
    verbose_name = "利用者"
