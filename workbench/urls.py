from django.urls import path

from workbench.views import page

app_name = "workbench"

urlpatterns = [
    path("", page("queue", "queue.html"), name="queue"),
    path("login/", page("login", "login.html"), name="login"),
    path("invoices/<int:invoice_id>/", page("review", "review.html"), name="review"),
    path("bills/<int:bill_id>/", page("bill", "bill.html"), name="bill"),
    path(
        "statements/<int:statement_id>/template/",
        page("template_example", "template_example.html"),
        name="template_example",
    ),
    path("upload/", page("upload", "upload.html"), name="upload"),
    path("dashboard/", page("dashboard", "dashboard.html"), name="dashboard"),
    path("matching/", page("matching", "matching.html"), name="matching"),
]
