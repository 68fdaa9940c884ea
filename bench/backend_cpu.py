"""CPU time of a PostgreSQL backend, for the bench scripts run beside it (`targeted.py`, `sweep_throughput.py`).
Imported as a sibling module, by the scripts' own directory, not through a measured checkout on `sys.path`."""

import os
from pathlib import Path


def backend_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a local PostgreSQL backend so far (Linux /proc; 0 when it is not local)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
