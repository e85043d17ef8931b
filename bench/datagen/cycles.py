"""The cycles: 20 quarterly + 5 annual per five years, the newest quarter open."""

import multiprocessing
import random
import time
from datetime import UTC, datetime, timedelta

from bench.datagen.shape import QUARTER_CN
from bench.datagen.writer import Writer


class CyclesMixin:
    def cycles(self):
        """[(kind, year, quarter, opens_at, open?)], oldest first, the last one open."""
        year, quarter = self.now.year, (self.now.month - 1) // 3 + 1
        quarters = []
        for _ in range(self.years * 4):
            quarters.append((year, quarter))
            year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        out = []
        for y, q in reversed(quarters):
            opens = datetime(y, q * 3 - 2, 1, 1, 0, tzinfo=UTC) + timedelta(days=45)
            out.append(("quarterly", y, q, opens))
        for y in range(self.now.year - self.years, self.now.year):
            out.append(("annual", y, None, datetime(y + 1, 1, 6, 1, 0, tzinfo=UTC)))
        out.sort(key=lambda c: c[3])
        current = [c for c in out if c[0] == "quarterly"][-1]
        return [(*c, c is current) for c in out]

    def all_cycles(self, url, workers):
        """Every cycle; on PostgreSQL `workers` processes build different cycles at once."""
        specs = list(enumerate(self.cycles()))
        global _BUILDER
        _BUILDER, self.url = self, url
        if workers > 1:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                counts = pool.map(_build_cycle, specs, chunksize=1)
        else:
            counts = [_build_cycle(spec) for spec in specs]
        total = {}
        for c in counts:
            for k, v in c.items():
                total[k] = total.get(k, 0) + v
        return total

    def cycle(self, index, kind, year, quarter, opens, is_open):
        cid = index + 1
        deadline = opens + timedelta(days=20)
        name = (f"{year}年第{QUARTER_CN[quarter - 1]}季度平时考核" if kind == "quarterly"
                else f"{year}年度考核")
        published = None if is_open else deadline + timedelta(days=20)
        ends = None if is_open else published + timedelta(days=7)
        self.w.add("cycle", (
            cid, name, kind, year, quarter, kind, 1, "open" if is_open else "archived",
            opens, deadline, True, True, 5, 15, {}, published, published, ends,
            1, opens - timedelta(days=10), "majority", {}, [],
            None if is_open else deadline))
        self.w.add("cycle_unit", (cid, self.units[0]["id"]))
        admin = 1
        self._chain("cycle", cid, [
            {"actor_id": admin, "actor_role": "org_admin", "action": "open", "at": opens,
                 "data": {"assessments": len(self.cadres)}}]
            + ([] if is_open else [
                {"actor_id": admin, "action": "close", "at": deadline,
                 "data": {"not_submitted": 0}},
                {"actor_id": admin, "action": "grade", "at": published - timedelta(hours=2)},
                {"actor_id": admin, "action": "publish", "at": published},
                {"actor_id": admin, "action": "archive", "at": ends + timedelta(days=20)}]))
        cyc = {"id": cid, "opens": opens, "deadline": deadline, "published": published,
               "ends": ends, "open": is_open, "name": name, "kind": kind}
        first = index * len(self.cadres) + 1  # fixed ids: workers need not coordinate
        for k, (cadre, leaf, sup) in enumerate(self.cadres):
            if is_open:
                self._open_assessment(cyc, first + k, cadre, leaf, sup)
            else:
                self._final_assessment(cyc, first + k, cadre, leaf, sup)


_BUILDER = None


def _build_cycle(spec):
    """Build one cycle with its own connection (in a worker process or in-line)."""
    index, (kind, year, quarter, opens, is_open) = spec
    b = _BUILDER
    if is_open:
        opens = b.now - timedelta(days=5)
    started = time.monotonic()
    b.w = Writer(b.url)
    b.rng = random.Random(index * 7919 + 6)
    b.cycle(index, kind, year, quarter, opens, is_open)
    b.w.commit()
    b.w.conn.close()
    print(f"  cycle {kind} {year} Q{quarter or '-'}: {time.monotonic() - started:.1f}s",
          flush=True)
    return b.w.counts
