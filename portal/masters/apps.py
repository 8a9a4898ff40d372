from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reload_masters(sender, using="default", **kwargs):
    """After migrate — and after a test database flush, which also sends post_migrate — put the
    bundled masters back if the tables are empty (a 第7表 without masters would be wrong, not empty)."""
    from django.db import DatabaseError

    from portal.masters import loader

    if using != "default":
        return
    loader.reset_loaded_flag()
    try:
        loader.ensure_loaded()
    except DatabaseError:  # tables not there (e.g. migrating backwards)
        loader.reset_loaded_flag()


class MastersConfig(AppConfig):
    name = "portal.masters"
    verbose_name = "マスタ"

    def ready(self):
        post_migrate.connect(_reload_masters, sender=self, dispatch_uid="masters-reload-masters")
