"""gunicorn settings read by kaohe-web.service (`-c`): the command line keeps the rest.

With PROMETHEUS_MULTIPROC_DIR set (the unit sets it), each worker writes its metrics
there and /metrics adds them up; a worker that exits must be marked dead, or its gauges
would be reported for ever (workflow_app/operations/metrics.py).
"""


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
