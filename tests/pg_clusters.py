"""A throwaway PostgreSQL primary and a streaming replica of it, on 127.0.0.1, for tests.

The machine's own server is not set up for replication (its pg_hba has no replication line),
so the test makes its own pair: `initdb` (trust on loopback, replication allowed by initdb's
default pg_hba), then `pg_basebackup -R` for the replica, which then follows the primary's WAL.
PostgreSQL refuses to run as root, so as root every server command runs as `postgres`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def server_binaries() -> Path | None:
    """Return the directory of initdb/pg_ctl/pg_basebackup, or None when not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Cluster:
    data: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _run(command: list[str], timeout: float = 60) -> None:
    subprocess.run(
        _as_server_user(command), check=True, timeout=timeout, capture_output=True, text=True
    )


def _start(bin_dir: Path, cluster: Cluster, sockets: Path) -> None:
    options = f"-c listen_addresses=127.0.0.1 -c port={cluster.port} -c unix_socket_directories={sockets} -c fsync=off"
    _run(
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(cluster.data),
            "-o",
            options,
            "-l",
            str(cluster.data / "server.log"),
            "-w",
            "-t",
            "30",
            "start",
        ]
    )


@contextlib.contextmanager
def primary_and_replica(bin_dir: Path) -> Iterator[tuple[Cluster, Cluster]]:
    """Yield a running primary and its streaming replica; stop and delete both afterwards."""
    root = Path(tempfile.mkdtemp(prefix="pg-pair-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary = Cluster(root / "primary", _free_port())
    replica = Cluster(root / "replica", _free_port())
    started: list[Cluster] = []
    try:
        _run([str(bin_dir / "initdb"), "-D", str(primary.data), "-U", "postgres",
              "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
        _start(bin_dir, primary, root)
        started.append(primary)
        _run([str(bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
              "-U", "postgres", "-D", str(replica.data), "-R", "-X", "stream"])  # fmt: skip
        _start(bin_dir, replica, root)
        started.append(replica)
        yield primary, replica
    finally:
        for cluster in reversed(started):
            with contextlib.suppress(Exception):
                _run([str(bin_dir / "pg_ctl"), "-D", str(cluster.data), "-m", "immediate",
                      "-w", "stop"])  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def wait_until(predicate, timeout: float = 30, step: float = 0.2) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
