"""Great Expectations Data Docs (static HTML) of validation results, written to a folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from expectations.runner import ephemeral_context, load_results, results_dir

SITE = "validation"
RELEASE_DIR = "validation"  # the Data Docs' folder in a publication release


def write_data_docs(results: list[dict], target_dir: Path) -> Path:
    """Render the results (as `runner` keeps them) as a Data Docs site in `target_dir`; returns
    its index page. Each result is shown under its run name and validation time."""
    from great_expectations.core.expectation_validation_result import (
        expectationSuiteValidationResultSchema,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    target_dir.mkdir(parents=True, exist_ok=True)
    context = ephemeral_context()
    context.add_data_docs_site(
        SITE,
        {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(target_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    for result in results:
        key = ValidationResultIdentifier(
            ExpectationSuiteIdentifier(name=result["suite_name"]),
            RunIdentifier(**result["meta"]["run_id"]),
            result["suite_name"],
        )
        context.validation_results_store.set(
            key, expectationSuiteValidationResultSchema.load(result)
        )
    context.build_data_docs(site_names=[SITE])
    return target_dir / "index.html"


def release_writer(build_path: Path) -> Callable[[duckdb.DuckDBPyConnection, Path], Path]:
    """A writer for `publication.release.publish_release(extras=...)`: the Data Docs of the
    gates' last results, as `validation/` of the release being staged."""

    def write(con: duckdb.DuckDBPyConnection, staging: Path) -> Path:
        return write_data_docs(load_results(results_dir(build_path)), staging / RELEASE_DIR)

    return write
