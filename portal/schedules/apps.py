from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reload_masters(sender, using="default", **kwargs):
    """After migrate — and after a test database flush, which also sends post_migrate — put the
    bundled masters back if the tables are empty (a 第7表 without masters would be wrong, not empty)."""
    from django.db import DatabaseError

    from portal.schedules import masters

    if using != "default":
        return
    masters.reset_loaded_flag()
    try:
        masters.ensure_loaded()
    except DatabaseError:  # tables not there (e.g. migrating backwards)
        masters.reset_loaded_flag()


class SchedulesConfig(AppConfig):
    name = "portal.schedules"
    verbose_name = "サービス利用票"

    def ready(self):
        post_migrate.connect(_reload_masters, sender=self, dispatch_uid="schedules-reload-masters")
