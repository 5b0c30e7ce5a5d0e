"""Baseline: the trivial /hello view and /healthz under gunicorn (2 workers).

    .venv/bin/python -m bench.baseline

Uses DATABASE_URL when set, else the embedded database (as `make run`).
"""

from bench.harness import Gunicorn, measure


def main() -> None:
    with Gunicorn() as server:
        for label, path in (("hello (trivial view)", "/hello"), ("healthz (one query)", "/healthz")):
            print(measure(server, label, path, requests=2000).line())


if __name__ == "__main__":
    main()
