from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "portal.documents"
    verbose_name = "帳票PDF"

    def ready(self):
        from portal.documents import cache

        cache.connect_signals()
