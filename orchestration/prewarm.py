"""Import the libraries of the later steps in a background thread while dbt runs.

Every step runs in one process (the in-process executor), and while a dbt step waits on its
`dbt build` subprocess this process is idle. Great Expectations alone takes about 5 s to import;
the validation, comments gate and publication steps then find these modules loaded. A failed
import here is ignored: the step that needs the module raises the real error.
"""

from __future__ import annotations

import contextlib
import importlib
import threading

# Not matplotlib nor xlsxwriter: publication draws the charts and writes the XLSX in processes
# of their own (publication.release), which load them.
LATER_STEP_MODULES = (
    "pandas",
    "great_expectations",
)

_lock = threading.Lock()
_thread: threading.Thread | None = None


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        with contextlib.suppress(Exception):  # the step that needs it reports the error
            importlib.import_module(name)


def start(modules: tuple[str, ...] = LATER_STEP_MODULES) -> threading.Thread:
    """Start the background imports once per process; return the thread."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(
                target=_import_all, args=(modules,), name="prewarm-imports", daemon=True
            )
            _thread.start()
        return _thread
