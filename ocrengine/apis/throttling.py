"""Per-caller rate limit on analysis (scope `analyze`, ANALYZE_RATE_LIMIT): a machine client
counts as itself, a user as themselves, anyone else by address. A batch costs one unit per
item, so batching is not a way around the limit.

DRF's stock throttle keeps every request's timestamp in one cache entry, which it reads and
rewrites whole on each call: the cost grows with the rate. This one keeps two counters (this
window and the last) and weighs the last by how much of it still overlaps the sliding window,
so each call is one read of two counters and one increment, whatever the rate. The counters
live where RATE_LIMIT_STORE says (services.rate_counters).
"""

from __future__ import annotations

import math
import time

from rest_framework.throttling import SimpleRateThrottle

from ocrengine.models import ApiClient
from ocrengine.services.rate_counters import window_counters


class AnalyzeRateThrottle(SimpleRateThrottle):
    scope = "analyze"
    cache_format = "throttle:%(scope)s:%(ident)s"

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
        now = time.time()
        window, into = divmod(now, self.duration)
        window = int(window)
        caller = self.get_cache_key(request, view)
        counters = window_counters()
        current, previous = counters.counts(caller, window)
        overlap = 1 - into / self.duration
        cost = max(1, int(getattr(view, "throttle_cost", lambda request: 1)(request)))
        if previous * overlap + current + cost > self.num_requests:
            self._wait = self._seconds_until_room(current, previous, cost, into)
            return False
        counters.add(caller, window, cost, window_s=self.duration, seen=current)
        return True

    def _seconds_until_room(self, current: int, previous: int, cost: int, into: float) -> float:
        room = self.num_requests - current - cost
        if room < 0 or previous == 0:
            return self.duration - into  # only the next window helps
        # previous * (1 - t / duration) <= room  =>  t >= duration * (1 - room / previous)
        return max(1.0, self.duration * (1 - room / previous) - into)

    def wait(self) -> float | None:
        # Rounded first: 60 * (1 - 2/3) is 20.000000000000004, not worth an extra second.
        return math.ceil(round(getattr(self, "_wait", self.duration), 6))
