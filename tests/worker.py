"""Start real Celery worker processes (and a Redis of a test's own) for end-to-end tests."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def _test_database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, *, timeout: float, step: float = 0.2, what: str = "condition"):
    """Poll predicate until it returns a truthy value; AssertionError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


class Worker:
    """A Celery worker process (optionally with beat), started in its own process group so
    that a SIGKILL takes the whole of it, as a crash of its machine would."""

    def __init__(self, *, queue: str | None = None, beat: bool = False, env: dict | None = None):
        self.queue = queue
        self.beat = beat
        self.name = f"test-{uuid.uuid4().hex[:12]}"
        self.env = dict(os.environ)
        self.env.update(
            DATABASE_URL=_test_database_url(),
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            CELERY_TASK_ALWAYS_EAGER="0",
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
        )
        self.env.update(env or {})
        self.proc: subprocess.Popen | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="worker-")
        self.log_path = Path(self._tmp.name) / "worker.log"

    def start(self) -> "Worker":
        args = [sys.executable, "-m", "celery", "-A", "scoreboard", "worker", "--pool=solo"]
        args += ["-n", f"{self.name}-{uuid.uuid4().hex[:4]}@%h", "--loglevel=INFO"]
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        if self.queue:
            args += ["-Q", self.queue]
        if self.beat:
            args += ["-B", "-s", str(Path(self._tmp.name) / "beat-schedule")]
        log = open(self.log_path, "a")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def kill(self) -> None:
        """SIGKILL the worker and everything it started (beat included), mid-whatever."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def close(self) -> None:
        self.stop()
        self._tmp.cleanup()


@contextlib.contextmanager
def running_worker():
    """Yield the name of a private queue served by a fresh worker process."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = Worker(queue=queue).start()
    try:
        yield queue
    finally:
        worker.stop()
        if worker.proc.returncode not in (0, -15, 143):
            print(worker.log())
        worker.close()


class RedisServer:
    """A redis-server of a test's own on a free port, which the test may stop and start."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        import redis

        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def answers():
            try:
                return client.ping()
            except redis.exceptions.ConnectionError:
                return False

        wait_until(answers, timeout=20, what=f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@contextlib.contextmanager
def celery_broker(url: str):
    """Point this process's Celery producer at another broker for the block."""
    from scoreboard.celery import app

    # broker_write_url, because a CELERY_BROKER_URL in the environment outranks broker_url.
    saved = (app.conf.get("broker_write_url"), app.conf.task_always_eager)

    def reset_pools():
        # kombu keeps producer pools per connection in a registry of its own: drop them all.
        from kombu import pools

        app._pool = None
        app.amqp._producer_pool = None
        pools.reset()

    app.conf["broker_write_url"], app.conf.task_always_eager = url, False
    reset_pools()
    try:
        yield app
    finally:
        app.conf["broker_write_url"], app.conf.task_always_eager = saved
        reset_pools()
