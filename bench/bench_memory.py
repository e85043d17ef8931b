"""Peak memory (RSS) of the scheduler with the big data set; the web worker's comes
from bench_web.py (VmHWM of each gunicorn worker after the load run).

    python bench/bench_memory.py [--url URL]

Runs `flask --app workflow_app scheduler --run-once --now T` in a child process, with T
one day (BENCH_REMIND_DAYS) before the open cycle's submit deadline, so every job has work: submit
reminders for every cadre still drafting (about 15,000), overdue reviews, escalations.
The figure is the child's peak RSS (ru_maxrss from wait4); target under 200 MB.
Baseline beside it: the peak RSS of a child that only creates the app and exits.
Note: the run queues (and commits) the reminders; a second run finds them queued.
"""

import os
import subprocess
import sys
import time
from datetime import timedelta

from common import APP_ROOT, make_app, report, url_from_args
from sqlalchemy import select


def child_peak(args, env):
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=APP_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        print(out[-2000:], file=sys.stderr)
    return usage.ru_maxrss / 1024, time.perf_counter() - start, out


def run(url):
    app = make_app(url)
    with app.app_context():
        from workflow_app.clock import as_utc
        from workflow_app.cycles.models import Cycle
        from workflow_app.extensions import db

        deadline = db.session.scalar(select(Cycle.submit_deadline).where(Cycle.status == "open")
                                     .order_by(Cycle.id.desc()).limit(1))
        days = int(os.environ.get("BENCH_REMIND_DAYS", "1"))  # a fresh reminder slot: 7, 3, 1
        when = (as_utc(deadline) - timedelta(days=days, hours=-1)).isoformat()
    env = dict(os.environ, DATABASE_URL=url, KAOHE_CONFIG="production",
               SMTP_HOST="log:", PYTHONPATH=APP_ROOT)
    flask = os.path.join(os.path.dirname(sys.executable), "flask")  # the same virtualenv
    idle, _, _ = child_peak([sys.executable, "-c",
                             "from workflow_app import create_app; create_app()"], env)
    peak, seconds, out = child_peak([flask, "--app", "workflow_app", "scheduler",
                                     "--run-once", "--now", when], env)
    report("memory", url, {"scheduler_peak_rss_mb": round(peak, 1),
                           "scheduler_seconds": round(seconds, 1),
                           "app_only_peak_rss_mb": round(idle, 1), "target_mb": 200,
                           "met": peak < 200, "scheduler_output": out.strip()[-300:]})


if __name__ == "__main__":
    url, _n = url_from_args()
    run(url)
