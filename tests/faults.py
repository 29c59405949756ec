"""Real services a fault test may break on purpose: a private PostgreSQL cluster and a private
Redis on free ports under a temporary folder (never the shared ones the suite uses), a Celery
worker process that can be SIGKILLed, and an SMTP sink that refuses, stalls after DATA or is
down on demand and records every message it accepts (Message-ID, recipient, subject)."""

from __future__ import annotations

import asyncio
import email
import glob
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller

from .reminders_factories import free_port

ROOT = Path(__file__).resolve().parent.parent


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def missing_binaries() -> list[str]:
    return [b for b in ("initdb", "pg_ctl", "pg_dump", "psql") if not _pg_bin(b)] + [
        b for b in ("redis-server",) if not shutil.which(b)
    ]


def real_clock_env() -> dict:
    """The environment without libfaketime: the services run on the real clock, as the shared
    PostgreSQL and Redis do when CI runs the suite 400 days ahead (redis-server does not start
    under libfaketime at all)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME")}
    preload = [p for p in env.get("LD_PRELOAD", "").split(":") if p and "faketime" not in p]
    env["LD_PRELOAD"] = ":".join(preload)
    if not preload:
        env.pop("LD_PRELOAD")
    return env


def wait_until(predicate, timeout: float, step: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class PrivatePostgres:
    """``initdb`` + ``pg_ctl`` on a free port under ``root`` (run as the ``postgres`` user when
    the tests run as root, which initdb refuses)."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "pgdata"
        self.port = free_port()
        self.log = root / "postgres.log"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(root, "postgres")
        self._run(_pg_bin("initdb"), "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")  # fmt: skip
        try:
            self.start()
        except Exception:
            self.close()
            raise

    def _run(self, *args, timeout=120):
        return subprocess.run(
            [*self._as, *map(str, args)],
            check=True,
            capture_output=True,
            timeout=timeout,
            env=real_clock_env(),
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/oversight"

    def start(self):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(_pg_bin("pg_ctl"), "-D", self.data, "-l", self.log, "-o", options, "-w", "start")

    def stop(self):
        self._run(_pg_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop")

    def load_schema_of(self, settings_dict: dict):
        """The schema of the suite's (migrated) test database, in a new database here."""
        env = {**real_clock_env(), "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
        dump = subprocess.run(
            [_pg_bin("pg_dump"), "--schema-only", "--no-owner", "--no-privileges",
             "-h", settings_dict.get("HOST") or "127.0.0.1",
             "-p", str(settings_dict.get("PORT") or 5432),
             "-U", settings_dict.get("USER") or "postgres", settings_dict["NAME"]],
            check=True, capture_output=True, env=env, timeout=120,
        ).stdout  # fmt: skip
        psql = [_pg_bin("psql"), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        for extra, given in (
            (["-c", "CREATE DATABASE oversight"], None),
            (["-d", "oversight"], dump),
        ):
            subprocess.run(
                [*psql, *extra], input=given, check=True, capture_output=True, env=env, timeout=120
            )

    def close(self):
        try:
            self.stop()
        except Exception:
            pass


class PrivateRedis:
    def __init__(self, root: Path):
        self.port = free_port()
        self.root = root
        self.process = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=real_clock_env(),
        )  # fmt: skip
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def up():
            try:
                return client.ping()
            except Exception:
                return False

        try:
            wait_until(up, 20, what="redis-server")
        except AssertionError:
            self.stop()
            raise

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(20)
            self.process = None

    def restart(self):
        self.stop()
        self.start()

    close = stop


class Worker:
    """``celery worker`` (prefork, 2 children) in its own process group, on the private
    database, broker and SMTP sink."""

    def __init__(self, root: Path, env: dict):
        self.root, self.env = root, env
        self.process = None
        self.runs = 0

    def start(self):
        self.runs += 1
        self.log = self.root / f"worker-{self.runs}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "oversight", "worker", "-l", "info",
             "-c", "2", "-P", "prefork", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"faults{self.runs}@%h"],
            cwd=ROOT, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_until(lambda: b" ready." in self.log.read_bytes(), 90, 0.2, "the Celery worker")
        except AssertionError:
            self.kill()
            raise

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure(self):
        if not self.running():
            self.start()

    def children(self) -> list[int]:
        """The pool's processes (from /proc: no procps needed)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # field 4 of stat: the parent's pid
                found.append(int(stat.parent.name))
        return found

    def kill(self):
        """SIGKILL the whole worker: the main process and its pool."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(20)
        self.process = None

    def stop(self):
        """At the end: nothing of its work is wanted any more (its broker goes too)."""
        if self.running():
            self.kill()


@dataclass
class Received:
    message_id: str
    to: str
    subject: str


@dataclass
class Sink:
    """An SMTP server whose answer to each DATA a test chooses.

    ``replies``: answers to the next DATA commands in order (e.g. "451 ..."), then 250.
    ``refuse``: Message-ID -> a permanent answer (e.g. "554 ...") for that message, always.
    ``hold_next``: the next DATA waits (the server is slow to answer) until ``release()``;
    ``held`` is set while it waits. A held message is then accepted, as a server that had
    already queued it would, whether or not the client is still there to read the "250": it
    is recorded as received when the DATA arrives."""

    port: int = field(default_factory=free_port)
    replies: list = field(default_factory=list)
    refuse: dict = field(default_factory=dict)
    received: list = field(default_factory=list)
    hold_next: bool = False
    held: threading.Event = field(default_factory=threading.Event)
    _release: threading.Event = field(default_factory=threading.Event)
    controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        message_id = message["Message-ID"]
        if message_id in self.refuse:
            return self.refuse[message_id]
        if self.replies:
            return self.replies.pop(0)
        self.received.append(
            Received(message_id, ",".join(envelope.rcpt_tos), str(message["Subject"]))
        )
        if self.hold_next:  # queued, then slow to say so (aiosmtpd cancels this if the client dies)
            self.hold_next = False
            self.held.set()
            while not self._release.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"

    def release(self):
        self._release.set()

    def start(self):
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=30)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


def tally(expected: dict[str, str], received: list[Received]) -> dict:
    """Per reminder email (expected Message-ID -> recipient): how many the sink received, and
    the duplicates a recipient would see, by Message-ID (a message with an id not expected:
    a new message for something already sent) and by recipient and subject."""
    counts = {mid: 0 for mid in expected}
    strangers = 0
    for r in received:
        if r.message_id in counts:
            counts[r.message_id] += 1
        else:
            strangers += 1
    pairs = [(r.to, r.subject) for r in received]
    return {
        "expected": len(expected),
        "received": len(received),
        "dup_message_id": strangers,
        "dup_recipient_subject": len(pairs) - len(set(pairs)),
        "lost": sum(1 for n in counts.values() if n == 0),
        "per_message": counts,
    }
