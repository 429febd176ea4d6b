"""The code is generic: no key of the reference consultation in production Python or SQL.

A consultation is data (`consultations/<id>/`); only the pack, the sample generator, the tests and
the benchmarks (which generate samples) may name its questions, polls, routes or sections. What is
checked is what code can depend on: string literals that equal one of the pack's keys (a question,
variable, breakdown, route, poll or source id, or a respondent id prefix), Python names and
SQL text naming a question or variable, the report's title and owner, the old per-letter section
marts, and imports of `sample_generator`. Comments and docstrings may still use the reference case
as an example.
"""

from __future__ import annotations

import io
import re
import subprocess
import tokenize
from pathlib import Path

import pytest

from survey.pack import DEFAULT_CONSULTATION, current

REPO = Path(__file__).resolve().parents[1]
NOT_PRODUCTION = ("tests/", "sample_generator/", "consultations/", "benchmarks/")


def _production_files(suffix: str) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", f"*{suffix}"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return [REPO / f for f in listed if not f.startswith(NOT_PRODUCTION)]


def _reference_keys() -> tuple[set[str], set[str], tuple[str, ...]]:
    """(keys no literal may equal, question/variable ids no code may name, phrases)."""
    q = current(DEFAULT_CONSULTATION).questionnaire
    polls = {poll for spec in q.routes.values() for poll in spec["polls"]}
    prefixes = {spec.get("id_prefix") for spec in q.exports.values()} - {None}
    prefixes |= {f"{p}-" for p in prefixes}
    literals = {*q.questions, *q.variables, *q.breakdowns, *q.routes, *polls}
    literals |= {*q.exports, *prefixes}
    # Vendor formats keep their names: a vendor reader is code, a consultation is data.
    literals -= {"talk_london"} if "talk_london" in q.exports else set()
    names = {i for i in {*q.questions, *q.variables} if i.isupper() and len(i) > 3}
    phrases = (q.survey["title"], "Police and Crime", "MOPAC", "abcdefghi", "mart_section_a")
    return literals, names, phrases


# Keys of the pack schema that happen to equal a reference id (`routes.<route>.polls`, the Talk
# London header `tl` of a question): allowed where code reads a pack mapping by key.
SCHEMA_KEYS = {"polls", "tl", "yg"}


def _is_key_access(previous: list[str], body: str) -> bool:
    """`mapping["key"]`, `mapping.get("key"`, or a `..._KEY = "key"` constant."""
    return body in SCHEMA_KEYS and (
        previous[-1:] == ["["]
        or previous[-2:] == ["get", "("]
        or (previous[-1:] == ["="] and previous[-2:-1] and previous[-2].endswith("_KEY"))
    )


def _python_hits(path: Path, literals: set[str], names: set[str]) -> list[str]:
    hits = []
    source = path.read_text(encoding="utf-8")
    previous: list[str] = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT):
            continue
        if tok.type == tokenize.STRING:
            body = re.sub(
                r"^[rbuf]*(\'\'\'|\"\"\"|\'|\")|(\'\'\'|\"\"\"|\'|\")$", "", tok.string, flags=re.I
            )
            if body in literals and not _is_key_access(previous, body):
                hits.append(f"{path.relative_to(REPO)}:{tok.start[0]}: literal {tok.string}")
        elif tok.type == tokenize.NAME and tok.string in names:
            hits.append(f"{path.relative_to(REPO)}:{tok.start[0]}: name {tok.string}")
        previous = [*previous[-2:], tok.string]
    if re.search(r"^\s*(from|import)\s+sample_generator\b", source, flags=re.M):
        hits.append(f"{path.relative_to(REPO)}: imports sample_generator")
    return hits


def _sql_hits(path: Path, literals: set[str], names: set[str]) -> list[str]:
    hits = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        code = line.split("--", 1)[0]
        found = {m for m in re.findall(r"'([^']*)'", code) if m in literals}
        found |= {w for w in re.findall(r"\b[A-Z][A-Z0-9_]+\b", code) if w in names}
        hits += [f"{path.relative_to(REPO)}:{number}: {w}" for w in sorted(found)]
    return hits


def test_no_reference_key_in_production_code() -> None:
    literals, names, phrases = _reference_keys()
    hits = []
    for path in _production_files(".py"):
        hits += _python_hits(path, literals, names)
    for path in _production_files(".sql"):
        hits += _sql_hits(path, literals, names)
    for path in [*_production_files(".py"), *_production_files(".sql")]:
        text = path.read_text(encoding="utf-8")
        hits += [f"{path.relative_to(REPO)}: {p!r}" for p in phrases if p in text]
    assert not hits, "reference-consultation keys in production code:\n" + "\n".join(hits)


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The checker itself: a file that names a route, a variable and the generator is caught."""
    literals, names, _ = _reference_keys()
    route = next(r for r in current(DEFAULT_CONSULTATION).questionnaire.routes if r in literals)
    variable = sorted(names)[0]
    bad = REPO / "tests" / "_generic_code_probe.py"
    bad.write_text(
        f"import sample_generator\nROUTE = {route!r}\n{variable} = 1\n", encoding="utf-8"
    )
    try:
        hits = _python_hits(bad, literals, names)
    finally:
        bad.unlink()
    assert len(hits) == 3, hits


@pytest.mark.parametrize("suffix", [".py", ".sql"])
def test_production_files_are_found(suffix: str) -> None:
    assert len(_production_files(suffix)) > 10
