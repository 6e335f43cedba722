from django.apps import AppConfig


class VigilanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vigilance"
    verbose_name = "Identitovigilance"

    def ready(self) -> None:
        from identities.hooks import register_possible_existing_finder
        from identities.signals import identities_imported, identity_traits_changed
        from vigilance.selectors import possible_existing_identities

        register_possible_existing_finder(possible_existing_identities)

        identity_traits_changed.connect(on_identity_traits_changed, dispatch_uid="vigilance_detection")
        identities_imported.connect(on_identities_imported, dispatch_uid="vigilance_keys")


def on_identity_traits_changed(sender, identity_ids: list[int], created: bool, **kwargs) -> None:
    """Duplicate and collision detection for written identities: in the request (eager) or its task."""
    from vigilance.tasks import detect_for_identities

    detect_for_identities.delay(list(identity_ids))


def on_identities_imported(sender, identities: list, **kwargs) -> None:
    """Imported identities get their matching keys in the import's transaction: an admission agent's search
    finds them at once. Their duplicates among the base are left to the next full scan."""
    from vigilance.records import identities_key

    identities_key(identities)
