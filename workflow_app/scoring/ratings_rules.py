"""The 360-degree rating score as pure functions over plain numbers.

Each rater's mean over 德能勤绩廉 counts once; a group's mean is the mean of its
raters' means; the score is the weighted mean of the groups.

A group with fewer raters than the minimum (default 3) is never shown on its
own, and never given a weight of its own that would let its mean be worked out
from the total. Such groups are *folded*:

1. All groups below the minimum are pooled into one bucket that carries their
   summed weights (e.g. 1 superior + 2 subordinates: 3 raters, weight 40 + 20).
2. When that pool still has fewer raters than the minimum, it joins the largest
   group that does reach it (most raters; the heavier weight on a tie), raters
   and weight together, and that group is then shown only as the merged bucket.
3. With fewer raters than the minimum in total there is no 360 score at all
   (flag ``rating_360_too_few_raters``): nothing could be shown without exposing
   somebody, so nothing is used.

Groups without any rating simply have no bucket; their weight goes to the others
in proportion (the score is a weighted mean over the buckets present).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from workflow_app.scoring.ratings_models import RATER_GROUPS
from workflow_app.scoring.rules import q

DEFAULT_WEIGHTS = {"superior": 40, "peer": 30, "subordinate": 20, "public": 10}
DEFAULT_MIN_RATERS = 3


@dataclass
class Bucket:
    groups: tuple
    values: list
    weight: Decimal

    @property
    def count(self):
        return len(self.values)

    @property
    def mean(self):
        return sum(self.values) / len(self.values)


@dataclass
class Rating360:
    score: Decimal | None
    buckets: list = field(default_factory=list)
    count: int = 0
    flags: list = field(default_factory=list)

    def public(self):
        """What may be shown: buckets of at least the minimum size, never a rater."""
        return {"score": None if self.score is None else float(self.score),
                "raters": self.count, "flags": list(self.flags),
                "groups": [{"groups": list(b.groups), "raters": b.count,
                            "mean": float(q(b.mean)), "weight": float(b.weight)}
                           for b in self.buckets]}


def rating_settings(grading):
    """(weights {group: Decimal > 0}, minimum raters) from a cycle's grading config."""
    grading = grading or {}
    raw = grading.get("rating_weights") or DEFAULT_WEIGHTS
    weights = {g: Decimal(str(w)) for g, w in raw.items()
               if g in RATER_GROUPS and isinstance(w, int | float) and w > 0}
    minimum = grading.get("rating_min_raters", DEFAULT_MIN_RATERS)
    # Below 2 a "group mean" is one rating: refused, the default applies.
    minimum = minimum if isinstance(minimum, int) and minimum >= 2 else DEFAULT_MIN_RATERS
    return weights, minimum


def rater_mean(scores):
    """One rater's mean over the five dimensions."""
    values = [Decimal(str(v)) for v in scores]
    return sum(values) / len(values)


def rating_360(means_by_group, weights, minimum=DEFAULT_MIN_RATERS):
    """The score from {group: [each rater's mean]} with group `weights` (percent)."""
    groups = {g: list(means_by_group[g]) for g in RATER_GROUPS
              if g in weights and means_by_group.get(g)}
    total = sum(len(v) for v in groups.values())
    if total == 0:
        return Rating360(None)
    if total < minimum:
        return Rating360(None, count=total, flags=["rating_360_too_few_raters"])
    buckets = _fold(groups, weights, minimum)
    weight = sum(b.weight for b in buckets)
    score = q(sum(b.mean * b.weight for b in buckets) / weight)
    flags = ["rating_360_folded"] if any(len(b.groups) > 1 for b in buckets) else []
    return Rating360(score, buckets, total, flags)


def _fold(groups, weights, minimum):
    big = [Bucket((g,), v, weights[g]) for g, v in groups.items() if len(v) >= minimum]
    small = [g for g, v in groups.items() if len(v) < minimum]
    if not small:
        return big
    pooled = Bucket(tuple(small), [x for g in small for x in groups[g]],
                    sum(weights[g] for g in small))
    if pooled.count >= minimum or not big:
        return big + [pooled]
    target = max(big, key=lambda b: (b.count, b.weight))
    merged = Bucket(target.groups + pooled.groups, target.values + pooled.values,
                    target.weight + pooled.weight)
    return [merged if b is target else b for b in big]
