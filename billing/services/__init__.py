from billing.services.reference_data import reference_data_seed
from billing.services.statement_processing import statement_import_run, statement_store
from billing.services.statement_upload import StatementUploadResult, statement_import
from billing.services.templates import (
    template_create_version,
    template_preview,
    template_publish,
    templates_export,
    templates_import,
)

__all__ = [
    "StatementUploadResult",
    "reference_data_seed",
    "statement_import",
    "statement_import_run",
    "statement_store",
    "template_create_version",
    "template_preview",
    "template_publish",
    "templates_export",
    "templates_import",
]
