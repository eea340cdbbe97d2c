from rest_framework import serializers

from jobs.models import ProcessingJob


class ProcessingJobSerializer(serializers.ModelSerializer):
    duration_s = serializers.FloatField(read_only=True, allow_null=True)
    status_url = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()

    class Meta:
        model = ProcessingJob
        fields = [
            "id", "kind", "status", "attempts", "max_attempts", "target", "result", "error_code",
            "error", "created_at", "started_at", "finished_at", "duration_s", "status_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_status_url(self, job: ProcessingJob) -> str:
        return f"/api/v1/jobs/{job.pk}/"

    def get_target(self, job: ProcessingJob) -> dict | None:
        if not job.target_type:
            return None
        return {"type": job.target_type, "id": job.target_id}
