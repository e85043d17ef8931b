"""The demo's single process: Flask's server with the calendar and the outbox inside.

Production runs web, scheduler and dispatcher as separate processes (README).
"""

import os

from workflow_app import create_app
from workflow_app.scheduler.runner import start_in_web


def main():
    app = create_app()
    start_in_web(app)
    port = int(os.environ.get("PORT", "5000"))
    # No reloader: it would start the app (and the scheduler) twice.
    app.run(host="127.0.0.1", port=port, use_reloader=False)


if __name__ == "__main__":
    main()
