from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.selectors import jobs_visible_to
from jobs.serializers import ProcessingJobSerializer
from jobs.services import job_retry


class JobDetailApi(APIView):
    @extend_schema(responses=ProcessingJobSerializer, summary="A background job's status")
    def get(self, request: Request, pk: int) -> Response:
        job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
        return Response(ProcessingJobSerializer(job).data)


class JobRetryApi(APIView):
    @extend_schema(
        request=None,
        responses={202: ProcessingJobSerializer},
        summary="Retry a failed job, or one whose worker is gone",
        description="Failed jobs, jobs running for longer than the task timeout plus "
        "JOB_STALE_MARGIN_S (their worker timed out or died) and jobs queued for longer than "
        "JOB_QUEUED_STALE_S (their task was lost) start again from a fresh attempt count. "
        "409 `job_not_failed` for a job that is queued or running and not stale, or succeeded.",
    )
    def post(self, request: Request, pk: int) -> Response:
        job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
        job = job_retry(job=job)
        return Response(ProcessingJobSerializer(job).data, status=202)
