from ocrengine.admin import analysis  # noqa: F401
