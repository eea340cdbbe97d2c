from django.apps import AppConfig


class OcrengineConfig(AppConfig):
    name = "ocrengine"

    def ready(self) -> None:
        from ocrengine import signals  # noqa: F401  (analysis API: template cache invalidation)
