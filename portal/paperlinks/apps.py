from django.apps import AppConfig


class PaperlinksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal.paperlinks"
    verbose_name = "リンクで送る提供票（Renkei を使っていない連携先）"
