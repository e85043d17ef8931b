"""A cadre's trend across quarters: score and grade per past quarterly cycle.

Only assessments the viewer may see are used (assessments.queries.visible), and a
cadre sees their own grades only once they are published: before that a grade is
still the committee's working figure. The chart geometry is computed here so the
template only draws.
"""

from dataclasses import dataclass

from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import PUBLIC_STATES
from workflow_app.assessments.queries import visible
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.scoring.grading import merged_config

MAX_POINTS = 12
WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 40, 24, 44
GRADE_COLOURS = ("#1a7f37", "#2f6fb5", "#b7791f", "#c0392b")


@dataclass
class Point:
    assessment_id: int
    label: str
    score: float
    grade: str | None
    grade_index: int
    x: float = 0
    y: float = 0

    @property
    def colour(self):
        return GRADE_COLOURS[min(self.grade_index, len(GRADE_COLOURS) - 1)]


@dataclass
class Trend:
    points: list
    width: int = WIDTH
    height: int = HEIGHT
    low: int = 0
    high: int = 100

    @property
    def path(self):
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}"
                        for i, p in enumerate(self.points))

    @property
    def gridlines(self):
        step = 10 if self.high - self.low <= 50 else 20
        return [(v, _y(v, self.low, self.high)) for v in range(self.low, self.high + 1, step)]


def _y(value, low, high):
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / ((high - low) or 1))


def _short_label(cycle):
    if cycle.quarter:
        return f"{cycle.year} Q{cycle.quarter}"
    return cycle.name[:10]


def cadre_trend(cadre_id, viewer):
    """The cadre's quarterly results the viewer may see, oldest first (at most 12)."""
    query = (visible(viewer).join(Cycle, Cycle.id == Assessment.cycle_id)
             .where(Assessment.cadre_id == cadre_id, Assessment.score.is_not(None),
                    Cycle.kind == "quarterly")
             .order_by(Cycle.opens_at.desc(), Assessment.id.desc()).limit(MAX_POINTS))
    if viewer.id == cadre_id:
        query = query.where(Assessment.state.in_(PUBLIC_STATES))
    rows = list(reversed(db.session.scalars(query).all()))
    return build_trend([(a.id, a.cycle, a.score, a.grade) for a in rows])


def build_trend(rows):
    """rows: (assessment id, cycle, score, grade). Scales x and y onto the chart."""
    points = []
    for aid, cycle, score, grade in rows:
        names = [g["grade"] for g in merged_config(cycle.grading, cycle.kind)["grades"]]
        index = names.index(grade) if grade in names else len(names) - 1
        points.append(Point(aid, _short_label(cycle), float(score), grade, index))
    trend = Trend(points)
    if not points:
        return trend
    scores = [p.score for p in points]
    trend.low = max(0, int(min(scores) // 10 * 10) - 10)
    trend.high = min(200, max(100, int(max(scores) // 10 * 10) + 10))
    span = WIDTH - LEFT - RIGHT
    for i, p in enumerate(points):
        p.x = LEFT + (span * i / (len(points) - 1) if len(points) > 1 else span / 2)
        p.y = _y(p.score, trend.low, trend.high)
    return trend

