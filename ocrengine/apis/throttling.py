"""Per-caller rate limit on analysis (scope `analyze`, ANALYZE_RATE_LIMIT): a machine client
counts as itself, a user as themselves, anyone else by address. A batch costs one unit per
item, so batching is not a way around the limit."""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from ocrengine.models import ApiClient


class AnalyzeRateThrottle(SimpleRateThrottle):
    scope = "analyze"

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiClient):
            ident = f"client:{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated and request.user.pk:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        cost = max(1, int(getattr(view, "throttle_cost", lambda request: 1)(request)))
        if len(self.history) + cost > self.num_requests:
            return self.throttle_failure()
        self.history[:0] = [self.now] * cost
        self.cache.set(self.key, self.history, self.duration)
        return True

    def wait(self) -> float | None:
        if not self.history:
            return float(self.duration)
        return super().wait()
