"""Report figures (`report_figures.yaml`) and how to compute each from respondent-level codes.

`compute_figure` takes a polars frame with one row per respondent and one column per variable id
holding codes (null = skipped / not asked; multi-select options 1 / 0), and applies the
questionnaire's base rules. It is the independent, plain-Python reading of a figure that tests
compare the warehouse and the sample against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
import yaml

from comments.exclusion import has_suggestion  # report fn 23: the one rule in Python
from survey.questionnaire import Questionnaire, Variable

# Statistics that are counts or ranks: reproduced exactly, not within a point.
# A count in the platform-statistics export (`variable` names the metric of questionnaire.yaml
# `platform_statistics`), checked against raw.platform_statistics, not the responses.
PLATFORM_STATISTIC = "platform_statistic"
COUNT_STATS = {
    "base",
    "min_base",
    "max_base",
    "skipped",
    "respondents",
    "substantive_comments",
    PLATFORM_STATISTIC,
}
COUNT_PREFIXES = ("modal_rank", "theme_count:", "theme_rank:")


def round_half_up(value: float) -> int:
    """The report's rounding of a percentage: .5 goes up. A margin of 1e-9 absorbs float error
    in a share that is exactly k / n (e.g. 100 * 81 / 200 = 40.5)."""
    return math.floor(value + 0.5 + 1e-9)


def reachable(percent: float, base: int, max_count: int | None = None) -> bool:
    """Whether some integer count k (0 <= k <= max_count, default base) of `base` respondents
    gives a share that rounds half-up to `percent`."""
    if base <= 0:
        return False
    top = base if max_count is None else max_count
    start = max(math.ceil((percent - 0.5) * base / 100 - 1e-9), 0)
    return any(
        round_half_up(100 * k / base) == percent for k in range(start, min(start + 2, top) + 1)
    )


def nearest_counts(percent: float, base: int) -> str:
    """The arithmetic of an unreachable figure: the two counts either side of it, e.g.
    '10/58 = 17.2%, 11/58 = 19.0%'."""
    below = math.floor(percent * base / 100)
    return ", ".join(
        f"{k}/{base} = {100 * k / base:.1f}%" for k in (below, below + 1) if 0 <= k <= base
    )


@dataclass(frozen=True)
class ReportFigure:
    id: str
    variable: str
    stat: str
    route: str
    group: str
    value: float
    compare: str
    ref: str
    # A percentage that no integer count on its base can give (`unreachable_base`, the report's
    # unweighted base): checked within a point of the printed value instead of at its rounding.
    unreachable_base: int | None = None

    def passes(self, reproduced: float | None, base: float | None = None) -> bool:
        """Exact percentages: the unrounded value rounds half-up to the printed integer; a
        listed unreachable one (on exactly its listed base, which indeed no count reaches):
        within 1 point. Counts and ranks: equal."""
        if reproduced is None:
            return False
        if self.compare == "exact":
            if not self.is_share:
                return reproduced == self.value
            if self.unreachable_base is not None:
                return (
                    base == self.unreachable_base
                    and not reachable(self.value, self.unreachable_base)
                    and abs(reproduced - self.value) <= 1.0
                )
            return round_half_up(reproduced) == self.value
        if self.compare == "gt":
            return reproduced > self.value
        if self.compare == "lt":
            return reproduced < self.value
        if self.compare == "approx":
            return abs(reproduced - self.value) <= 5.0
        raise ValueError(f"figure {self.id}: unknown compare {self.compare}")

    @property
    def is_share(self) -> bool:
        return self.stat not in COUNT_STATS and not self.stat.startswith(COUNT_PREFIXES)

    @property
    def rule(self) -> str:
        if self.compare != "exact":
            return {"gt": "greater", "lt": "less", "approx": "within 5 points"}[self.compare]
        if not self.is_share:
            return "equal"
        return "unreachable: within 1 point" if self.unreachable_base else "printed rounding"


def platform_statistics_in_report(
    figures: tuple[ReportFigure, ...] | None = None,
) -> dict[str, int]:
    """The report's platform statistics, metric -> count (the sample generator writes them)."""
    figures = load_report_figures() if figures is None else figures
    return {f.variable: int(f.value) for f in figures if f.stat == PLATFORM_STATISTIC}


def report_figures_path() -> Path:
    from survey.pack import pack_file

    return pack_file("report_figures.yaml")


def load_report_figures(path: Path | None = None) -> tuple[ReportFigure, ...]:
    """The report's figures at `path`, by default the current pack's (none when the pack has no
    `report_figures.yaml`: there is no published report to reproduce)."""
    path = (path or report_figures_path()).resolve()
    return _load_report_figures(path) if path.is_file() else ()


@cache
def _load_report_figures(path: Path) -> tuple[ReportFigure, ...]:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return tuple(
        ReportFigure(
            f["id"],
            f["variable"],
            f["stat"],
            f["route"],
            f["group"],
            float(f["value"]),
            f["compare"],
            f["ref"],
            f.get("unreachable_base"),
        )
        for f in raw["figures"]
    )


def in_base(df: pl.DataFrame, q: Questionnaire, var: Variable) -> pl.Series:
    """Boolean: respondent is in the variable's base under its base rule."""
    col = df[var.id]
    excluded = set(q.base_rules[var.base_rule].exclude)
    keep = col.is_not_null()
    if var.kind == "multi_option":
        # a multi-select is skipped when no option at all was chosen
        options = [v.id for v in q.variables.values() if v.question_id == var.question_id]
        answered = df.select(pl.sum_horizontal([pl.col(o).fill_null(0) for o in options]) > 0)
        keep = answered.to_series()
        if "dont_know" in excluded:
            dk = [
                v.id
                for v in q.variables.values()
                if v.question_id == var.question_id
                and v.option_code == q.missing_codes["dont_know"]
            ]
            for o in dk:
                keep = keep & (df[o].fill_null(0) == 0)
        return keep
    for kind in ("dont_know", "prefer_not_to_say", "not_applicable"):
        if kind in excluded:
            keep = keep & (col.fill_null(-1) != q.missing_codes[kind])
    return keep


def _share(mask_num: pl.Series, mask_den: pl.Series, weights: pl.Series | None) -> float | None:
    w = weights if weights is not None else pl.Series([1.0] * len(mask_den))
    den = float((w * mask_den.cast(pl.Float64)).sum())
    if den == 0:
        return None
    return 100.0 * float((w * (mask_num & mask_den).cast(pl.Float64)).sum()) / den


def group_mask(df: pl.DataFrame, q: Questionnaire, group: str) -> pl.Series:
    if group == "total":
        return pl.Series([True] * df.height)
    kind, gid = group.split(":")
    if kind == "poll":
        return df["poll"] == gid
    breakdown = q.breakdowns[kind]
    return df[breakdown.source].is_in(list(breakdown.groups[gid][1])).fill_null(False)


def figure_base(fig: ReportFigure, df: pl.DataFrame, q: Questionnaire) -> float | None:
    """The unweighted base of a percentage of a variable (net, share, option), else None."""
    if not fig.stat.startswith(("net:", "share:", "option")):
        return None
    return float((in_base(df, q, q.variables[fig.variable]) & group_mask(df, q, fig.group)).sum())


def compute_figure(
    fig: ReportFigure, df: pl.DataFrame, q: Questionnaire, weights: pl.Series | None = None
) -> float | None:
    """The figure's value on `df` (already restricted to the figure's route)."""
    group = group_mask(df, q, fig.group)
    stat = fig.stat
    if stat == "respondents":
        return float(group.sum())
    if stat == "substantive_comments":
        texts = df[fig.variable].to_list()
        return float(sum(has_suggestion(t) for t, g in zip(texts, group, strict=True) if g))
    if stat in ("min_base", "max_base"):
        bases = [
            float((in_base(df, q, v) & group).sum())
            for v in q.variables.values()
            if v.question_id == fig.variable
        ]
        return min(bases) if stat == "min_base" else max(bases)
    var = q.variables[fig.variable]
    base = in_base(df, q, var) & group
    col = df[var.id]
    if stat == "base":
        return float(base.sum())
    if stat == "skipped":
        return float((col.is_null() & group).sum())
    if stat == "modal_rank":
        counts = col.filter(base).value_counts().sort(["count", var.id], descending=[True, False])
        return float(counts[var.id][0])
    if stat == "option":
        return _share(col.fill_null(0) == 1, base, weights)
    if stat == "dk_share":
        answered = (
            col.is_not_null() & group & (col.fill_null(-1) != q.missing_codes["prefer_not_to_say"])
        )
        return _share(col.fill_null(-1) == q.missing_codes["dont_know"], answered, weights)
    if stat.startswith("net:"):
        codes = list(var.scale.nets[stat[4:]])
        return _share(col.is_in(codes).fill_null(False), base, weights)
    if stat.startswith("share:"):
        return _share(col.fill_null(-1) == int(stat[6:]), base, weights)
    if stat.startswith("composition:"):
        _, breakdown, gid = stat.split(":")
        member = group_mask(df, q, f"{breakdown}:{gid}")
        return _share(member, group, weights)
    if stat.startswith("composition_code:"):
        return _share(col.fill_null(-1) == int(stat.split(":")[1]), group, weights)
    raise ValueError(f"figure {fig.id}: unknown stat {stat}")
