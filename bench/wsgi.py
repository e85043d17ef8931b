"""The app for gunicorn in the web benchmark: `gunicorn bench.wsgi:app` (BENCH_URL)."""

import os

from bench.common import DEFAULT_PG, make_app

app = make_app(os.environ.get("BENCH_URL", DEFAULT_PG))
# The load client logs in with a plain POST; CSRF itself is not what is measured.
app.config["WTF_CSRF_ENABLED"] = False
