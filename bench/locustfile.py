"""An agent's day, for locust (bench/load.py runs it headless; `make bench-load`).

Each simulated agent starts signed in (JWT; bench/load.py logs every agent in before a step
and times those logins apart), then, with think time between calls, works the review queue: the queue and the invoice list, an invoice's detail and its page image, a correction
(PATCH), now and then a statement upload, the dashboard, and the analysis API, called as the
agent (JWT) and as a machine client (HMAC-signed, `ocrengine.services.hmac_auth`). Tokens are
refreshed as the workbench does. Request names are the endpoint patterns, so locust's stats
are per endpoint.

The users, their invoices and customers, and the HMAC client are made by bench/load.py, which
passes them in the JSON file named by LOAD_FIXTURE. Each simulated agent has an account and a
client address of its own, sent as X-Forwarded-For as nginx would (load.py trusts one proxy
hop), as a hundred agents at their own desks would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import secrets
import time

from locust import HttpUser, between, task

FIXTURE = json.loads(open(os.environ["LOAD_FIXTURE"], encoding="utf-8").read())  # noqa: SIM115
_agents = itertools.cycle(FIXTURE["agents"])
_uploads = itertools.count()
INVOICE_TEXT = """Nordwind Supplies GmbH
VAT ID: DE811907980
INVOICE
Invoice Number: {number}
Invoice Date: 2024-03-15
Subtotal: 200.00
VAT 19%: 38.00
Total: EUR 238.00"""


def _hmac_headers(method: str, path: str, body: bytes) -> dict[str, str]:
    client = FIXTURE["hmac_client"]
    timestamp, nonce = str(int(time.time())), secrets.token_hex(12)
    message = "\n".join([method, path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
    signature = hmac.new(client["secret"].encode(), message.encode(), hashlib.sha256).hexdigest()
    return {"X-Key-Id": client["key_id"], "X-Timestamp": timestamp, "X-Nonce": nonce,
            "X-Signature": signature, "Content-Type": "application/json"}  # fmt: skip


class Agent(HttpUser):
    wait_time = between(0.5, 2.0)  # an agent reads between clicks

    def on_start(self) -> None:
        self.me = next(_agents)
        self.client.headers["X-Forwarded-For"] = self.me["ip"]
        # Signed in before the step (bench/load.py): a workbench session outlives a step, and a
        # hundred PBKDF2 logins at once (~0.3 s of CPU each) would be the ramp, not the day.
        self.access, self.refresh_token = self.me["access"], self.me["refresh"]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}

    @task(1)
    def refresh(self) -> None:
        # The workbench refreshes its access token (5 minutes) while the agent works.
        response = self.client.post("/api/v1/auth/refresh/", name="/auth/refresh/",
                                    json={"refresh": self.refresh_token})  # fmt: skip
        if response.ok:
            body = response.json()
            self.access = body["access"]
            self.refresh_token = body.get("refresh", self.refresh_token)

    def invoice_id(self) -> int:
        return random.choice(self.me["invoices"])

    @task(6)
    def queue(self) -> None:
        self.client.get("/api/v1/invoices/?status=needs_review&page_size=25", headers=self.auth,
                        name="/invoices/?status=needs_review (queue)")  # fmt: skip

    @task(4)
    def invoice_list(self) -> None:
        self.client.get("/api/v1/invoices/?page_size=50", headers=self.auth, name="/invoices/")

    @task(8)
    def invoice_detail(self) -> None:
        self.client.get(f"/api/v1/invoices/{self.invoice_id()}/", headers=self.auth,
                        name="/invoices/{id}/")  # fmt: skip

    @task(4)
    def page_image(self) -> None:
        self.client.get(f"/api/v1/invoices/{self.invoice_id()}/pages/1.png", headers=self.auth,
                        name="/invoices/{id}/pages/{n}.png")  # fmt: skip

    @task(3)
    def correction(self) -> None:
        payload = {"seller": random.choice(["Nordwind Supplies GmbH", "Nordwind Supplies"])}
        self.client.patch(f"/api/v1/invoices/{self.invoice_id()}/", json=payload, headers=self.auth,
                          name="PATCH /invoices/{id}/ (correction)")  # fmt: skip

    @task(1)
    def statement_upload(self) -> None:
        # Distinct statements (bench/load.py made them); past the last, uploads repeat (200,
        # duplicate), as an agent sending a file twice.
        statements = FIXTURE["statements"]
        data = base64.b64decode(statements[next(_uploads) % len(statements)])
        self.client.post("/api/v1/statements/", files={"file": ("statement.pdf", data)},
                         data={"customer": self.me["customer"]}, headers=self.auth,
                         name="POST /statements/ (upload)")  # fmt: skip

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/api/v1/dashboard/summary/", headers=self.auth, name="/dashboard/summary/")

    @task(3)
    def analyse_jwt(self) -> None:
        body = {"document_type": "invoice",
                "raw_texts": [INVOICE_TEXT.format(number=f"L-{random.randrange(10**6)}")]}  # fmt: skip
        self.client.post("/api/v1/ocr/analyze/", json=body, headers=self.auth,
                         name="POST /ocr/analyze/ (JWT)")  # fmt: skip

    @task(3)
    def analyse_hmac(self) -> None:
        body = json.dumps({"document_type": "invoice",
                           "raw_texts": [INVOICE_TEXT.format(number=f"H-{random.randrange(10**6)}")]}).encode()  # fmt: skip
        self.client.post("/api/v1/ocr/analyze/", data=body,
                         headers=_hmac_headers("POST", "/api/v1/ocr/analyze/", body),
                         name="POST /ocr/analyze/ (HMAC)")  # fmt: skip
