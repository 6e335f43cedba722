from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IdentitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "identities"
    verbose_name = "Identités"

    def ready(self) -> None:
        from insportal.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="sync_role_groups")
