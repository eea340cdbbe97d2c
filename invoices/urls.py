from django.urls import path

from invoices.apis.calibration import AutoApproveCalibrateApi, AutoApproveStatsApi
from invoices.apis.corrections import CorrectionListApi
from invoices.apis.files import InvoiceFileApi, InvoicePageApi
from invoices.apis.invoices import (
    InvoiceApproveApi,
    InvoiceChangesApi,
    InvoiceDetailApi,
    InvoiceLinesApi,
    InvoiceListApi,
    InvoiceReprocessApi,
)

urlpatterns = [
    path("invoices/", InvoiceListApi.as_view(), name="invoice-list"),
    path("invoices/auto-approve/", AutoApproveStatsApi.as_view(), name="invoice-auto-approve"),
    path("invoices/corrections/", CorrectionListApi.as_view(), name="invoice-corrections"),
    path(
        "invoices/auto-approve/calibrate/",
        AutoApproveCalibrateApi.as_view(),
        name="invoice-auto-approve-calibrate",
    ),
    path("invoices/<int:pk>/", InvoiceDetailApi.as_view(), name="invoice-detail"),
    path("invoices/<int:pk>/lines/", InvoiceLinesApi.as_view(), name="invoice-lines"),
    path("invoices/<int:pk>/approve/", InvoiceApproveApi.as_view(), name="invoice-approve"),
    path("invoices/<int:pk>/reprocess/", InvoiceReprocessApi.as_view(), name="invoice-reprocess"),
    path("invoices/<int:pk>/changes/", InvoiceChangesApi.as_view(), name="invoice-changes"),
    path("invoices/<int:pk>/file/", InvoiceFileApi.as_view(), name="invoice-file"),
    path("invoices/<int:pk>/pages/<int:number>.png", InvoicePageApi.as_view(), name="invoice-page"),
]
