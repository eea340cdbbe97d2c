from django.urls import path

from ocrengine.apis import analysis, stats, templates

urlpatterns = [
    # Document analysis API
    path("ocr/analyze/", analysis.AnalyzeApi.as_view(), name="ocr-analyze"),
    path("ocr/batch-analyze/", analysis.BatchAnalyzeApi.as_view(), name="ocr-batch-analyze"),
    path("ocr/stats/", stats.AnalysisStatsApi.as_view(), name="ocr-stats"),
    path("ocr/templates/", templates.PromptTemplateListApi.as_view(), name="ocr-templates"),
    path(
        "ocr/templates/export/",
        templates.PromptTemplateExportApi.as_view(),
        name="ocr-templates-export",
    ),
    path(
        "ocr/templates/import/",
        templates.PromptTemplateImportApi.as_view(),
        name="ocr-templates-import",
    ),
    path(
        "ocr/templates/<int:pk>/",
        templates.PromptTemplateDetailApi.as_view(),
        name="ocr-template-detail",
    ),
    path(
        "ocr/templates/<int:pk>/publish/",
        templates.PromptTemplatePublishApi.as_view(),
        name="ocr-template-publish",
    ),
    path(
        "ocr/templates/<int:pk>/canary/",
        templates.PromptTemplateCanaryApi.as_view(),
        name="ocr-template-canary",
    ),
    path(
        "ocr/templates/<int:pk>/promote/",
        templates.PromptTemplatePromoteApi.as_view(),
        name="ocr-template-promote",
    ),
    path(
        "ocr/templates/<int:pk>/rollback/",
        templates.PromptTemplateRollbackApi.as_view(),
        name="ocr-template-rollback",
    ),
]
