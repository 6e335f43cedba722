from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "insportal.security"
    label = "security"
    verbose_name = "Sécurité et traçabilité"
    default_auto_field = "django.db.models.BigAutoField"
