from django.apps import AppConfig


class OcrengineConfig(AppConfig):
    name = "ocrengine"

    def ready(self) -> None:
        from ocrengine import (
            checks,  # noqa: F401  (registers the llm settings checks)
            signals,  # noqa: F401  (analysis API: template cache invalidation)
        )
