from django.urls import path

from billing.apis.dashboard import DashboardMonthlyApi, DashboardSummaryApi
from billing.apis.merchant_rules import (
    MerchantRuleListCreateApi,
    MerchantRulesApplyApi,
    TransactionCategoryApi,
)
from billing.apis.records import (
    BankListApi,
    BillDetailApi,
    BillListApi,
    CardDetailApi,
    CardListApi,
    TransactionListApi,
)
from billing.apis.statements import StatementDetailApi, StatementListCreateApi
from billing.apis.template_examples import (
    BankTemplateFromExampleApi,
    BankTemplateFromExamplePreviewApi,
    StatementPageApi,
    StatementTemplateExampleApi,
)
from billing.apis.templates import (
    BankTemplateDetailApi,
    BankTemplateExportApi,
    BankTemplateImportApi,
    BankTemplateListCreateApi,
    BankTemplatePreviewApi,
    BankTemplatePublishApi,
)

urlpatterns = [
    path("statements/", StatementListCreateApi.as_view(), name="statement-list"),
    path("statements/<int:pk>/", StatementDetailApi.as_view(), name="statement-detail"),
    path(
        "statements/<int:pk>/template-example/",
        StatementTemplateExampleApi.as_view(),
        name="statement-template-example",
    ),
    path(
        "statements/<int:pk>/pages/<int:number>.png",
        StatementPageApi.as_view(),
        name="statement-page",
    ),
    path("banks/", BankListApi.as_view(), name="bank-list"),
    path("bank-templates/", BankTemplateListCreateApi.as_view(), name="bank-template-list"),
    path("bank-templates/export/", BankTemplateExportApi.as_view(), name="bank-template-export"),
    path("bank-templates/import/", BankTemplateImportApi.as_view(), name="bank-template-import"),
    path(
        "bank-templates/from-example/",
        BankTemplateFromExampleApi.as_view(),
        name="bank-template-from-example",
    ),
    path(
        "bank-templates/from-example/preview/",
        BankTemplateFromExamplePreviewApi.as_view(),
        name="bank-template-from-example-preview",
    ),
    path("bank-templates/<int:pk>/", BankTemplateDetailApi.as_view(), name="bank-template-detail"),
    path(
        "bank-templates/<int:pk>/publish/",
        BankTemplatePublishApi.as_view(),
        name="bank-template-publish",
    ),
    path(
        "bank-templates/<int:pk>/preview/",
        BankTemplatePreviewApi.as_view(),
        name="bank-template-preview",
    ),
    path("cards/", CardListApi.as_view(), name="card-list"),
    path("cards/<int:pk>/", CardDetailApi.as_view(), name="card-detail"),
    path("bills/", BillListApi.as_view(), name="bill-list"),
    path("bills/<int:pk>/", BillDetailApi.as_view(), name="bill-detail"),
    path("transactions/", TransactionListApi.as_view(), name="transaction-list"),
    path(
        "transactions/<int:pk>/category/",
        TransactionCategoryApi.as_view(),
        name="transaction-category",
    ),
    path("merchant-rules/", MerchantRuleListCreateApi.as_view(), name="merchant-rule-list"),
    path("merchant-rules/apply/", MerchantRulesApplyApi.as_view(), name="merchant-rule-apply"),
    path("dashboard/summary/", DashboardSummaryApi.as_view(), name="dashboard-summary"),
    path("dashboard/monthly/", DashboardMonthlyApi.as_view(), name="dashboard-monthly"),
]
