"""What a failed gate expected and what it found, in a few lines a person can act on.

Gate frames hold aggregates and questionnaire ids only (never a respondent id or an answer), so
the few offending rows quoted here are safe to print and to keep in the run's metadata.
"""

from __future__ import annotations

import pandas as pd

from expectations.gate import Expect

EXAMPLES = 3


def _row(frame: pd.DataFrame, index, columns: list[str]) -> str:
    """A row as `name=value` pairs: its identifying text columns, then the checked columns."""
    keys = [c for c in frame.columns if frame[c].dtype == object and c not in columns][:4]
    return ", ".join(f"{c}={frame.at[index, c]}" for c in [*keys, *columns])


def _offending(frame: pd.DataFrame, e: Expect) -> tuple[pd.Index, list[str]] | None:
    k = e.kwargs
    if e.type == "expect_column_pair_values_to_be_equal":
        a, b = k["column_A"], k["column_B"]
        return frame.index[frame[a].ne(frame[b]) & ~(frame[a].isna() & frame[b].isna())], [a, b]
    if e.type == "expect_column_values_to_be_between":
        column = frame[k["column"]]
        bad = pd.Series(False, index=frame.index)
        if k.get("min_value") is not None:
            bad |= column < k["min_value"]
        if k.get("max_value") is not None:
            bad |= column > k["max_value"]
        return frame.index[bad.fillna(False)], [k["column"]]
    if e.type == "expect_column_values_to_not_be_null":
        return frame.index[frame[k["column"]].isna()], [k["column"]]
    if e.type == "expect_column_values_to_be_in_set":
        column = frame[k["column"]]
        return frame.index[~column.isin(k["value_set"]) & column.notna()], [k["column"]]
    return None


def _expected(e: Expect) -> str:
    k = e.kwargs
    if e.type == "expect_column_pair_values_to_be_equal":
        return f"{k['column_A']} equal to {k['column_B']}"
    if "column" in k and ("min_value" in k or "max_value" in k):
        return f"{k['column']} between {k.get('min_value')} and {k.get('max_value')}"
    if e.type == "expect_column_values_to_not_be_null":
        return f"{k['column']} never empty"
    if e.type == "expect_column_values_to_be_in_set":
        return f"{k['column']} one of {k['value_set']}"
    if "value" in k:
        return f"{e.type.removeprefix('expect_').replace('_', ' ')} {k['value']}"
    if "min_value" in k:
        return f"{e.type.removeprefix('expect_').replace('_', ' ')} at least {k['min_value']}"
    return e.type.removeprefix("expect_").replace("_", " ")


def explain(frame: pd.DataFrame, expectations: list[Expect], result: dict) -> list[str]:
    """One line per failed expectation: what was expected, what was found, a few examples."""
    lines = []
    for e, r in zip(expectations, result["results"], strict=True):
        if r["success"]:
            continue
        details = r.get("result") or {}
        found = details.get("observed_value")
        offending = _offending(frame, e)
        if offending is not None and len(offending[0]):
            index, columns = offending
            examples = "; ".join(_row(frame, i, columns) for i in index[:EXAMPLES])
            more = f" (and {len(index) - EXAMPLES} more)" if len(index) > EXAMPLES else ""
            lines.append(
                f"expected {_expected(e)}: {len(index)} of {len(frame)} rows differ, e.g. "
                f"{examples}{more}"
            )
        else:
            lines.append(
                f"expected {_expected(e)}; found {found if found is not None else 'otherwise'}"
            )
    return lines
