"""Great Expectations gates as blocking asset checks on the tables the publishing assets read.

A failed gate holds back the checked asset's direct dependents in the same run (`blocking=True`,
severity ERROR): with a wrong base, bad weights or an unflagged small base nothing is published.
Each check keeps its suite's validation result (counts only) as JSON in
`$SURVEY_BUILD_DIR/validation/results/`; `expectations.docs` renders them as Data Docs. The gates
are those of the catalogue (expectations/catalog.py), built for the consultation pack.
"""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation.
import dagster as dg

from expectations.catalog import gates
from expectations.gate import Gate
from expectations.runner import Failure, results_dir, run_gate, save_result
from expectations.settings import GateSettings
from infra.warehouse import connect_warehouse
from orchestration.resources import SurveyPaths
from survey.pack import Consultation


def _key(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


def _failures_md(failures: list[Failure]) -> str:
    rows = [
        f"| {f.expectation} | {f.columns} | {'' if f.failing_rows is None else f.failing_rows} "
        f"| {f.observed} |"
        for f in failures
    ]
    header = "| expectation | columns | failing rows | observed |\n|---|---|---|---|\n"
    return header + "\n".join(rows) if rows else "none"


def gate_summary(gate: Gate, explanation: tuple[str, ...], paths: SurveyPaths) -> str:
    """The failed gate, the asset it checks, what it expected and found, what stays published."""
    if not explanation:
        return f"gate {gate.name} on {gate.table}: passed"
    from publication.release_folder import current_release

    current = current_release(paths.build_path)
    stays = f"release {current.name} stays published" if current else "nothing is published yet"
    lines = "\n".join(f"  - {line}" for line in explanation)
    return f"gate {gate.name} on {gate.table} failed ({gate.description})\n{lines}\n  {stays}"


def hold_deliveries(paths: SurveyPaths, reason: str, run_id: str) -> None:
    """Record in the ledger that the deliveries this run was deciding about are held."""
    from publication import ledger
    from publication.release_folder import current_release

    current = current_release(paths.build_path)
    with connect_warehouse(paths.warehouse_path, read_only=True) as con:
        files = ledger.undecided_files(con)
    number = int(current.name) if current is not None and current.name.isdigit() else None
    ledger.record(paths.warehouse_path, ledger.decide(files, "held", number, reason), run_id)


def gate_check(gate: Gate) -> dg.AssetChecksDefinition:
    """The gate as a blocking check on its table."""

    @dg.asset_check(
        asset=_key(gate.table),
        name=gate.name,
        description=f"Publication gate on {gate.table} (blocks the release): {gate.description}",
        blocking=True,
        additional_deps=[_key(t) for t in gate.reads],
        compute_kind="great_expectations",
        op_tags={"gate": "publication"},
        metadata={
            "gate": "publication",
            "catalogue": "expectations/catalog.py",
            "suite": gate.suite,
        },
    )
    def _check(context: dg.AssetCheckExecutionContext, paths: SurveyPaths) -> dg.AssetCheckResult:
        with connect_warehouse(paths.warehouse_path, read_only=True) as con:  # lock: retried
            outcome = run_gate(gate, con, GateSettings.from_project(), context.run.run_id)
        path = save_result(outcome, results_dir(paths.build_path))
        failures = outcome.failures
        summary = gate_summary(gate, outcome.explanation, paths)
        if not outcome.success:
            context.log.error(summary)
            hold_deliveries(paths, f"gate {gate.suite} failed", context.run.run_id)
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "suite": dg.MetadataValue.text(outcome.suite),
                "expectations": dg.MetadataValue.int(outcome.evaluated),
                "failed_expectations": dg.MetadataValue.int(len(failures)),
                "failing_rows": dg.MetadataValue.int(sum(f.failing_rows or 0 for f in failures)),
                "failures": dg.MetadataValue.md(_failures_md(failures)),
                "validation_result": dg.MetadataValue.path(str(path)),
                "summary": dg.MetadataValue.text(summary),
            },
        )

    return _check


def build_checks(consultation: Consultation) -> list[dg.AssetChecksDefinition]:
    """A blocking check for every gate of the pack's catalogue."""
    return [gate_check(gate) for gate in gates(consultation.questionnaire)]
