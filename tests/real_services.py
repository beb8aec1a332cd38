"""Real services that fault tests start, stop and kill: a private Redis, a Celery worker
on it, and an SMTP server that refuses or accepts mail.

Private: the suite's shared Redis on 6379 stays up for the other tests.
"""

import contextlib
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest_helpers import IN_CI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout=60.0, interval=0.2, what="condition", log=None) -> float:
    """Poll until `condition()` is true; the seconds it took. Fails with the log's tail."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(interval)
    tail = log() if log else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


class PrivateRedis:
    """A redis-server of our own on a free port, stopped and started by the test."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            message = "needs redis-server (apt-get install redis-server)"
            pytest.fail(message) if IN_CI else pytest.skip(message)
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.ping, timeout=10, what="redis-server to start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False


class Worker:
    """A real `celery worker` process on the test database and a given broker."""

    def __init__(self, broker_url: str, *, beat: bool = False, env: dict | None = None):
        db = connection.settings_dict
        if connection.vendor != "postgresql":
            pytest.skip("a worker process needs the test database on PostgreSQL")
        self.log_path = Path(tempfile.mkstemp(prefix="worker-", suffix=".log")[1])
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "careerpath.test_settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": broker_url,  # the environment wins over test_settings
            **(env or {}),
        }
        self.command = [
            sys.executable, "-m", "celery", "-A", "careerpath", "worker", "--pool=solo",
            "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if beat:
            schedule = tempfile.mkstemp(prefix="beat-")[1]
            self.command += ["--beat", f"--schedule={schedule}"]
        self.process = None

    def start(self):
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=log
        )
        wait_for(lambda: "ready." in self.log(), timeout=60, what="the worker", log=self.log)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextlib.contextmanager
def app_broker(url: str):
    """Point this test process's Celery app at `url`, with the production transport
    options (bounded connect, no retries), and back afterwards."""
    from careerpath.celery import app

    before = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = url
    app.conf.broker_transport_options = {
        "socket_connect_timeout": 2, "socket_timeout": 10, "max_retries": 0,
    }  # fmt: skip
    _forget_connections(app)
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = before
        _forget_connections(app)


def _forget_connections(app):
    """Drop the app's broker connections and producers, so the next send connects anew."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


class FakeSMTP:
    """An SMTP server on a free port that refuses every message (554) or accepts them,
    as the test switches it; accepted messages are kept in `received`."""

    def __init__(self):
        self.accepting = False
        self.received: list[str] = []
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str):
                self.wfile.write(f"{line}\r\n".encode())

            def handle(self):
                if not fake.accepting:
                    self.reply("554 5.3.2 Service unavailable: mail is refused today")
                    return
                self.reply("220 fake-smtp ready")
                while True:
                    line = self.rfile.readline().decode(errors="replace").strip()
                    if not line:
                        return
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 fake-smtp")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        lines = []
                        while (data := self.rfile.readline().decode(errors="replace")) not in (
                            ".\r\n", "",
                        ):  # fmt: skip
                            lines.append(data)
                        fake.received.append("".join(lines))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeSlack:
    """A stand-in for Slack's incoming-webhook endpoint on a free port, answering as Slack
    documents: 200 with the plain-text body "ok"; errors as a status and a plain-text code
    (400 invalid_payload, 403 action_prohibited, 404 no_service, 410 channel_is_archived,
    500 ...), 429 with a Retry-After header. Tests queue the answers (`answers`, one per
    request, then "ok" for ever) and read what was posted in `received` as (path, headers,
    JSON body). `delay` makes it slow, for timeouts."""

    def __init__(self):
        import http.server
        import json as _json

        self.answers: list[tuple[int, str, dict]] = []
        self.received: list[tuple[str, dict, object]] = []
        self.delay = 0.0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = _json.loads(raw)
                except ValueError:
                    body = None
                fake.received.append((self.path, dict(self.headers), body))
                if fake.delay:
                    time.sleep(fake.delay)
                if body is None or not isinstance(body, dict) or not body.get("text"):
                    status, text, headers = 400, "invalid_payload", {}
                elif fake.answers:
                    status, text, headers = fake.answers.pop(0)
                else:
                    status, text, headers = 200, "ok", {}
                payload = text.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out
                    pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.prefix = f"http://127.0.0.1:{self.port}/"
        self.url = f"{self.prefix}services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXabcd"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
