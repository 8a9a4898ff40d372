from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "portal.jobs"
    verbose_name = "バックグラウンド処理"

    def ready(self):
        # Each app declares its job kinds in its own ``jobs.py`` (see portal.jobs.registry).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
