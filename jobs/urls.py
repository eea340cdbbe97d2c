from django.urls import path

from jobs.apis import JobDetailApi, JobRetryApi

urlpatterns = [
    path("jobs/<int:pk>/", JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:pk>/retry/", JobRetryApi.as_view(), name="job-retry"),
]
