"""The report's figures that the publication regenerates, as data: one place to add a chart.

`variables` are questionnaire question ids (a grid, ranking or multi-select stands for all its
items or options) or variable ids. `stat` says what is drawn:
  net:<net>     share in a net of the scale, per item, Talk London beside the Polls
  option        share selecting each option of a multi-select
  distribution  every answer category in the base, stacked, per item and route
  modal_rank    share at each rank, stacked, with the most common rank in the label
  composition   sample composition (unweighted shares), one panel per variable; `code_groups`
                groups a variable's codes by a breakdown's groups
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChartSpec:
    id: str
    title: str
    variables: tuple[str, ...]
    stat: str
    code_groups: dict[str, str] = field(default_factory=dict)


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "B1.1",
        "Overall support for the priorities outlined in the draft Police and Crime Plan",
        ("B_SUPPORT",),
        "distribution",
    ),
    ChartSpec(
        "B1.2",
        "Most commonly selected rank for each priority, when ranked in order of importance",
        ("B_RANK",),
        "modal_rank",
    ),
    ChartSpec(
        "C2.1",
        "Crime issues seen as a 'major problem' in London",
        ("C_PROBLEM",),
        "net:major_problem",
    ),
    ChartSpec(
        "D1.1", "Percentages feeling safe in different environments", ("D_SAFE_PLACE",), "net:safe"
    ),
    ChartSpec(
        "D1.2",
        "Percentages feeling London is safe for different groups",
        ("D_SAFE_FOR",),
        "net:safe",
    ),
    ChartSpec(
        "D2.1",
        "Support for main outcomes to reduce and prevent violence",
        ("D_OUTCOME",),
        "net:support",
    ),
    ChartSpec(
        "D3.1",
        "Key actions to reduce and prevent violence: 'very important'",
        ("D_ACTION",),
        "net:very_important",
    ),
    ChartSpec(
        "E1.1", "Confidence that the Criminal Justice System...", ("E_CJS",), "net:confident"
    ),
    ChartSpec(
        "E2.1", "Support for main outcomes to better support victims", ("E_OUTCOME",), "net:support"
    ),
    ChartSpec(
        "E3.1",
        "Key actions to better support victims: 'very important'",
        ("E_ACTION",),
        "net:very_important",
    ),
    ChartSpec(
        "F1.1",
        "How well represented are the following groups in the MPS workforce? (including "
        "'don't know')",
        ("F_REPRESENTED",),
        "distribution",
    ),
    ChartSpec(
        "F2.1",
        "Support for main outcomes to improve trust and confidence",
        ("F_OUTCOME",),
        "net:support",
    ),
    ChartSpec(
        "F3.1",
        "Key actions to improve trust and confidence: 'very important'",
        ("F_ACTION",),
        "net:very_important",
    ),
    ChartSpec(
        "G1.1",
        "How safe do you think children and young people are...",
        ("G_CHILD_SAFE",),
        "net:safe",
    ),
    ChartSpec("G2.1", "Support for main outcomes to protect people", ("G_OUTCOME",), "net:support"),
    ChartSpec(
        "G3.1",
        "Key actions to protect people from exploitation and harm: 'very important'",
        ("G_ACTION",),
        "net:very_important",
    ),
    ChartSpec(
        "H1.1",
        "Who it is most important for the Mayor to work with to deliver the priorities "
        "(selected in top three)",
        ("H_PARTNERS",),
        "option",
    ),
    ChartSpec(
        "APP1",
        "Sample composition: ethnic group, gender, sexual orientation and age",
        ("ETHNICITY", "GENDER", "SEXUAL_ORIENTATION", "AGE_BAND"),
        "composition",
        code_groups={"ETHNICITY": "ethnic_group"},
    ),
)
