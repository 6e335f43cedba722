from django.apps import AppConfig


class VigilanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vigilance"
    verbose_name = "Identitovigilance"
