"""Request metrics in the Prometheus text format, by hand: the service has no dependencies."""

import json
import threading

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
# Probe paths and the scrape itself are not counted, so the numbers are the traffic's own.
NOT_COUNTED = frozenset(("/healthz", "/readyz", "/metrics"))


class Metrics:
    def __init__(self, service, version, track):
        self._labels = "service=%s,version=%s,track=%s" % (
            json.dumps(service),
            json.dumps(version),
            json.dumps(track),
        )
        self._lock = threading.Lock()
        self._by_code = {}
        self._buckets = [0] * len(LATENCY_BUCKETS)
        self._count = 0
        self._sum = 0.0

    def observe(self, path, code, seconds):
        if path in NOT_COUNTED:
            return
        with self._lock:
            self._by_code[code] = self._by_code.get(code, 0) + 1
            self._count += 1
            self._sum += seconds
            for i, le in enumerate(LATENCY_BUCKETS):
                if seconds <= le:
                    self._buckets[i] += 1

    def render(self):
        labels = self._labels
        with self._lock:
            lines = [
                "# HELP http_requests_total Requests answered, probes and scrapes left out.",
                "# TYPE http_requests_total counter",
            ]
            lines += [
                'http_requests_total{%s,code="%d"} %d' % (labels, code, self._by_code[code])
                for code in sorted(self._by_code)
            ]
            lines += [
                "# HELP http_request_duration_seconds Time to answer a request, probes and scrapes left out.",
                "# TYPE http_request_duration_seconds histogram",
            ]
            lines += [
                'http_request_duration_seconds_bucket{%s,le="%s"} %d' % (labels, _number(le), n)
                for le, n in zip(LATENCY_BUCKETS, self._buckets)
            ]
            lines += [
                'http_request_duration_seconds_bucket{%s,le="+Inf"} %d' % (labels, self._count),
                "http_request_duration_seconds_sum{%s} %s" % (labels, repr(self._sum)),
                "http_request_duration_seconds_count{%s} %d" % (labels, self._count),
            ]
        return "\n".join(lines) + "\n"


def _number(value):
    """1 and 10 as Prometheus (and the other sample services) write them, not 1.0."""
    return str(int(value)) if float(value).is_integer() else repr(value)
