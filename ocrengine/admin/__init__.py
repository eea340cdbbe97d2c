from ocrengine.admin import analysis, jobs  # noqa: F401
