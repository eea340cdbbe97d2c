from django.urls import path

from exports.apis import (
    ExportDetailApi,
    ExportDownloadApi,
    InvoiceExportApi,
    InvoiceLineExportApi,
    TransactionExportApi,
)

urlpatterns = [
    path("invoices/export/", InvoiceExportApi.as_view(), name="invoice-export"),
    path("invoices/lines/export/", InvoiceLineExportApi.as_view(), name="invoice-line-export"),
    path("transactions/export/", TransactionExportApi.as_view(), name="transaction-export"),
    path("exports/<int:pk>/", ExportDetailApi.as_view(), name="export-detail"),
    path("exports/<int:pk>/download/", ExportDownloadApi.as_view(), name="export-download"),
]
