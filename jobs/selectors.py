"""Reads for jobs: what a user may see of them."""

from django.db.models import QuerySet

from accounts.roles import sees_all_customers
from jobs.models import ProcessingJob


def jobs_visible_to(user) -> QuerySet[ProcessingJob]:
    """Agents see the jobs they started; supervisors and admins see all (a staff flag alone does
    not: the role decides)."""
    jobs = ProcessingJob.objects.all()
    if sees_all_customers(user):
        return jobs
    return jobs.filter(created_by=user)
