"""Wall time and peak memory of a child process tree.

With psutil (installed by `make bench`) the resident set sizes of the child and all its
descendants are summed every `INTERVAL` seconds and the largest sum is the peak, with the
samples kept so that a stage's peak can be read for its time window. Without psutil the peak
is the largest single process of the tree (`ru_maxrss` from wait4), and stages get none.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass, field

try:
    import psutil
except ImportError:  # pragma: no cover - make bench installs it
    psutil = None

INTERVAL = 0.05
METHOD = "psutil tree sum" if psutil else "ru_maxrss (largest process)"


@dataclass
class Measurement:
    wall_s: float
    peak_mb: float
    returncode: int
    started_at: float  # epoch seconds
    samples: list[tuple[float, float]] = field(default_factory=list)  # (epoch s, tree MB)

    def peak_between(self, start: float, end: float) -> float | None:
        inside = [mb for t, mb in self.samples if start <= t <= end]
        return max(inside) if inside else None


def run(args: list[str], env: dict[str, str], log_path) -> Measurement:
    """Run `args` to completion (stdout and stderr to `log_path`) and measure it."""
    with open(log_path, "ab") as log:
        started_at, start = time.time(), time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        samples = _sample(proc) if psutil else []
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = max((mb for _, mb in samples), default=usage.ru_maxrss / 1024)
    return Measurement(wall, peak, proc.returncode, started_at, samples)


def _sample(proc: subprocess.Popen) -> list[tuple[float, float]]:
    """RSS of the tree until the child exits (it stays a zombie until wait4 reaps it)."""
    root = psutil.Process(proc.pid)
    samples = []
    while _running(root):
        rss = 0
        for p in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a process may end between the calls
                rss += p.memory_info().rss
        samples.append((time.time(), rss / 2**20))
        time.sleep(INTERVAL)
    return samples


def _running(process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
