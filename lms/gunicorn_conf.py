"""gunicorn settings shared by ``make run`` (scripts/serve.sh) and the bench harness (bench/harness.py).

The serving model (docs/tutor.md, figures from ``bench/tutor.py``): ``gthread`` workers, so a tutor
reply streamed as server-sent events holds one thread (and no database connection while it waits on the
model), not a whole worker. ``WEB_CONCURRENCY`` processes (default: one per usable core, 2 here) ×
``WEB_THREADS`` threads (100) serve 100 concurrent streams with threads to spare for pages; why, measured
with ``bench/load.py``: README, "Load". gunicorn reads this file with ``-c``.
"""

import os

worker_class = "gthread"


def default_workers() -> int:
    """``WEB_CONCURRENCY``, else one worker per core this process may run on (a Python process computes on
    one core at a time; threads cover the waiting)."""
    if os.environ.get("WEB_CONCURRENCY"):
        return int(os.environ["WEB_CONCURRENCY"])
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity call on this platform
        return os.cpu_count() or 2


workers = default_workers()
threads = int(os.environ.get("WEB_THREADS", "100"))
graceful_timeout = 5
# A stream is bounded by TUTOR_STREAM_MAX_SECONDS (120 s); a gthread worker's own heartbeat is not
# blocked by a long response, so the worker timeout stays gunicorn's default.
# An idle kept-alive connection is closed after this many seconds. With 5 s, a client that reused its
# connection just as the server closed it got "connection reset" (bench/load.py: 1-2 of ~4,700 requests at
# 200 users, whose think times reach 10 s). 75 s (nginx's default) outlasts a page's think time; an idle
# connection costs a socket in the worker's poller, not a thread.
keepalive = 75
