"""Build the city-scale data set: 50,000 cadres, five years of history.

    python bench/make_data.py --url postgresql://postgres@127.0.0.1/kaohe_bench
    python bench/make_data.py --url sqlite:///bench/out/kaohe_bench.sqlite --cadres 5000

The schema comes from the migrations (`upgrade(revision="heads")`, as `flask init-db`);
the database should be empty. Rows are written in bulk: COPY on PostgreSQL,
executemany on SQLite. One Argon2 hash is computed and shared by every account
(password "password123"); audit chains are MAC'd with the application's own
`entry_hash` and key, and every chain gets its head row, so `flask verify-audit` holds
on the result. The code is in bench/datagen/, by concern (writer, people, cycles,
assessments, audit, builder).

Shape (for --cadres N, N/20 leaf units of 20 cadres):
- a city → counties (10) → towns / departments → communities / sections (leaf units),
  leaf categories 经济发展类 / 执法服务类 / 社区;
- per leaf unit: 2 supervisors (10 cadres each), 3 committee members (两委);
  per town: a party secretary; per county and the city: an org_admin; one auditor;
- 20 quarterly cycles (the newest open, in mixed states) + 5 annual cycles, every
  cadre in each; history is final (with send-backs, committee votes and a few
  disputes), each step with its review row and audit entry (~9 per assessment).
"""

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import make_app, normalise_url  # noqa: E402
from bench.datagen.builder import Builder  # noqa: E402
from bench.datagen.writer import Writer  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--cadres", type=int, default=50000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2,
                        help="processes building cycles at once (PostgreSQL only)")
    args = parser.parse_args(argv)
    url = normalise_url(args.url)
    started = time.monotonic()
    app = make_app(url)
    from flask_migrate import upgrade
    with app.app_context():
        upgrade(revision="heads")
        from workflow_app.extensions import db
        db.engine.dispose()
    print(f"schema ready ({time.monotonic() - started:.1f}s)", flush=True)
    writer = Writer(url)
    with app.app_context():
        builder = Builder(writer, args.cadres, args.years,
                          datetime.now(UTC).replace(microsecond=0))
        builder.org_and_people()
        print(f"org tree and people: {len(builder.units)} units, "
              f"{writer.counts.get('user_account', 0)} users", flush=True)
        writer.commit()
        counts = builder.all_cycles(url, args.workers if writer.pg else 1)
    for k, v in counts.items():
        writer.counts[k] = writer.counts.get(k, 0) + v
    writer.finish()
    elapsed = time.monotonic() - started
    print(json.dumps({"seconds": round(elapsed, 1), "rows": writer.counts}, ensure_ascii=False))


if __name__ == "__main__":
    main()
