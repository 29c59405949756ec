from django.apps import AppConfig


class GeneratorConfig(AppConfig):
    name = "generator"
    verbose_name = "The practice's own BAA"

    def ready(self) -> None:
        # Plug the "Generate our BAA" section into the vendor page (imports flow one way).
        from . import integration  # noqa: F401
