"""Runs docker/compose.yaml with plain podman, and probes it: scripts/image_smoke.sh's engine.

Why not podman-compose: compose's `depends_on: condition: service_healthy` needs the engine to
run health checks on a timer, which podman does through systemd; this runs each service's own
`healthcheck.test` itself (podman exec) until it passes, so it works where there is no systemd
(containers, CI virtual machines). It reads the file as compose does: the `x-app` anchor,
`${VAR:-default}` and `${VAR:?message}`, env_file then environment, named volumes, binds
relative to docker/, command. What it changes is said on the command line: an image per
service (--image db=...), the env file (--env-file), a bind source (--bind nginx/certs=DIR) and
published ports (--publish nginx=127.0.0.1:8443:443, which replaces the file's).

usage: image_compose.py up|down|smoke --project NAME [options]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parent.parent / "docker"
ORDER = ["db", "redis", "web", "worker", "nginx"]
HEALTH_DEADLINE_S = {"web": 600, "worker": 300}  # web migrates and seeds before it answers
DEFAULT_HEALTH_DEADLINE_S = 180


def log(message: str) -> None:
    print(f"smoke: {message}", file=sys.stderr, flush=True)


def podman(*args: str, check: bool = True, capture: bool = True, stdin: str | None = None):
    return subprocess.run(
        ["podman", *args], check=check, capture_output=capture, text=True, input=stdin
    )


def interpolate(value: str) -> str:
    def one(match: re.Match) -> str:
        name, op, word = match.group(1), match.group(2), match.group(3) or ""
        current = os.environ.get(name, "")
        if op == ":?" and not current:
            raise SystemExit(f"compose: {name}: {word}")
        if op == ":-" and not current:
            return word
        return current

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def services(args) -> dict[str, dict]:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    found = compose["services"]
    assert set(found) == set(ORDER), f"compose services changed: {sorted(found)}"
    return found


def run_service(args, name: str, spec: dict) -> None:
    images = dict(item.split("=", 1) for item in args.image)
    binds = dict(item.split("=", 1) for item in args.bind)
    published = dict(item.split("=", 1) for item in args.publish)
    command = ["run", "-d", "--name", f"{args.project}-{name}", "--network", args.project]
    command += ["--network-alias", name, "--hostname", name]
    # podman runs an image's HEALTHCHECK on a systemd timer, and logs an error where there is no
    # systemd; the health checks here are run by wait_healthy instead.
    command.append("--no-healthcheck")
    env: dict[str, str] = {}
    if "env_file" in spec:
        env.update(read_env_file(Path(args.env_file)))
    env.update({k: interpolate(str(v)) for k, v in (spec.get("environment") or {}).items()})
    for key, value in env.items():
        command += ["-e", f"{key}={value}"]
    for volume in spec.get("volumes", []):
        source, target, *mode = volume.split(":")
        if source.startswith("."):
            relative = os.path.normpath(source)
            source = binds.get(relative, str((DOCKER / source).resolve()))
        else:
            source = f"{args.project}_{source}"
        command += ["-v", ":".join([source, target, *mode])]
    if name in published:
        command += ["-p", published[name]]
    command.append(images.get(name, spec.get("image", "")))
    command += [interpolate(str(part)) for part in spec.get("command", [])]
    podman(*command)
    log(f"started {name} ({command[-1 - len(spec.get('command', []))]})")


def healthy(args, name: str, spec: dict) -> bool:
    test = (spec.get("healthcheck") or {}).get("test")
    if not test:
        return (
            podman("inspect", "-f", "{{.State.Running}}", f"{args.project}-{name}").stdout.strip()
            == "true"
        )
    argv = ["sh", "-c", test[1]] if test[0] == "CMD-SHELL" else test[1:]
    return podman("exec", f"{args.project}-{name}", *argv, check=False).returncode == 0


def wait_healthy(args, name: str, spec: dict) -> None:
    deadline = time.monotonic() + HEALTH_DEADLINE_S.get(name, DEFAULT_HEALTH_DEADLINE_S)
    while not healthy(args, name, spec):
        state = podman("inspect", "-f", "{{.State.Status}}", f"{args.project}-{name}", check=False)
        if state.stdout.strip() not in {"running", "created"}:
            show_logs(args, name)
            raise SystemExit(f"{name} stopped ({state.stdout.strip()}) before it was healthy")
        if time.monotonic() > deadline:
            show_logs(args, name)
            raise SystemExit(f"{name} was not healthy in time")
        time.sleep(2)
    log(f"{name} is healthy")


def show_logs(args, name: str) -> None:
    logs = podman("logs", "--tail", "40", f"{args.project}-{name}", check=False)
    print(f"--- {name} logs\n{logs.stdout}{logs.stderr}", file=sys.stderr)


def up(args) -> None:
    found = services(args)
    podman("network", "create", args.project, check=False)
    ready: set[str] = set()

    def wait(name: str) -> None:
        if name not in ready:
            wait_healthy(args, name, found[name])
            ready.add(name)

    for name in ORDER:
        spec = found[name]
        for dependency, condition in _depends_on(spec).items():
            if condition == "service_healthy":
                wait(dependency)
        run_service(args, name, spec)
    for name in ORDER:
        wait(name)


def _depends_on(spec: dict) -> dict[str, str]:
    depends = spec.get("depends_on") or {}
    if isinstance(depends, list):
        return dict.fromkeys(depends, "service_started")
    return {name: rule.get("condition", "service_started") for name, rule in depends.items()}


def down(args) -> None:
    found = services(args)
    for name in reversed(ORDER):
        if args.logs:
            show_logs(args, name)
        podman("rm", "-f", "-t", "10", f"{args.project}-{name}", check=False)
    podman("network", "rm", "-f", args.project, check=False)
    volumes = {v.split(":")[0] for spec in found.values() for v in spec.get("volumes", [])}
    for volume in sorted(v for v in volumes if not v.startswith(".")):
        podman("volume", "rm", "-f", f"{args.project}_{volume}", check=False)


# --- the smoke test: through nginx over TLS -------------------------------------------------


class Client:
    def __init__(self, base: str, cafile: str) -> None:
        self.base = base
        self.context = ssl.create_default_context(cafile=cafile)
        self.token = ""

    def call(self, method: str, path: str, body: bytes | None = None, headers=None):
        request = urllib.request.Request(self.base + path, data=body, method=method)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def json(self, method: str, path: str, payload=None, expect: int = 200):
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"} if body else {}
        status, content = self.call(method, path, body, headers)
        if status != expect:
            raise SystemExit(f"{method} {path}: {status} (expected {expect}): {content[:500]!r}")
        return json.loads(content) if content else None


def invoice_pdf() -> bytes:
    from io import BytesIO

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    lines = [
        "ACME Supplies GmbH",
        f"Invoice No: SMOKE-{uuid.uuid4().hex[:8].upper()}",
        "Invoice Date: 2026-11-20",
        "Due Date: 2026-12-20",
        "Bill to: Smoke Test Ltd",
        "Widgets 2 x 50.00 EUR = 100.00 EUR",
        "Net amount: 100.00 EUR",
        "VAT 19%: 19.00 EUR",
        "Total: 119.00 EUR",
    ]
    for row, text in enumerate(lines):
        page.drawString(72, 770 - row * 20, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def smoke(args) -> None:
    client = Client(args.base_url, args.cafile)
    for path in ("/api/v1/health/live/", "/api/v1/health/ready/"):
        ready = client.json("GET", path)
        log(f"GET {path}: {ready['status']}")

    password = uuid.uuid4().hex
    podman(
        "exec", "-i", f"{args.project}-web", "python", "manage.py", "create_agent", "smoke",
        "--role", "agent", stdin=password + "\n",
    )  # fmt: skip
    pair = client.json("POST", "/api/v1/auth/login/", {"username": "smoke", "password": password})
    client.token = pair["access"]
    log(f"login: JWT for {pair['user']['username']}")

    body, content_type = multipart("smoke-invoice.pdf", invoice_pdf())
    status, content = client.call("POST", "/api/v1/invoices/", body, {"Content-Type": content_type})
    if status != 202:
        raise SystemExit(f"upload: {status}: {content[:500]!r}")
    entry = json.loads(content)["results"][0]
    log(f"upload: invoice {entry['invoice_id']}, job {entry['job_id']} {entry['status']}")

    deadline = time.monotonic() + args.job_deadline
    while True:
        job = client.json("GET", f"/api/v1/jobs/{entry['job_id']}/")
        if job["status"] in {"succeeded", "failed"}:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job['id']} still {job['status']} after {args.job_deadline} s")
        time.sleep(2)
    invoice = client.json("GET", f"/api/v1/invoices/{entry['invoice_id']}/")
    log(
        f"job {job['id']} {job['status']} in {job['duration_s']} s; invoice "
        f"{invoice['status']}, number {invoice.get('invoice_number')!r}, "
        f"total {invoice.get('total_amount')!r}"
    )
    if job["status"] != "succeeded" or invoice["status"] not in {"recognized", "needs_review"}:
        raise SystemExit(f"the invoice did not reach a final good status: {invoice['status']}")
    status, _ = client.call("GET", f"/api/v1/invoices/{entry['invoice_id']}/pages/1.png")
    if status != 200:
        raise SystemExit(f"page image: {status}")
    log("page 1 renders as PNG; smoke test passed")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["up", "down", "smoke"])
    parser.add_argument("--project", required=True)
    parser.add_argument("--image", action="append", default=[], help="service=image")
    parser.add_argument("--bind", action="append", default=[], help="./relative/source=DIR")
    parser.add_argument("--publish", action="append", default=[], help="service=host:port:port")
    parser.add_argument("--env-file", default=str(DOCKER / ".env"))
    parser.add_argument("--logs", action="store_true", help="down: print each service's log")
    parser.add_argument("--base-url", default="https://localhost:8443")
    parser.add_argument("--cafile")
    parser.add_argument("--job-deadline", type=int, default=600)
    args = parser.parse_args()
    {"up": up, "down": down, "smoke": smoke}[args.action](args)


if __name__ == "__main__":
    main()
