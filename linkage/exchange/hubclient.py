"""HTTP client of the hub (urllib only), signing every request with the office's certificate."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from linkage.hub import protocol
from linkage.signing import pki


class HubError(Exception):
    """A hub call failed. ``retryable`` tells whether trying again later may help."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "", retryable: bool = True):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retryable = retryable


class HubClient:
    def __init__(self, base_url: str, *, office_number: str, key, certificate, timeout: float = 30):
        self.base_url = base_url.rstrip("/")
        self.office_number = office_number
        self.key = key
        self.certificate = certificate
        self.fingerprint = pki.fingerprint(certificate)
        self.timeout = timeout
        self._registered = False

    # -- transport -----------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        content_type: str = "application/json",
        _retry_register: bool = True,
    ):
        headers = protocol.sign_headers(
            key=self.key,
            fingerprint=self.fingerprint,
            office_number=self.office_number,
            method=method,
            path=path,
            body=body,
        )
        if body:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(
            self.base_url + path, data=body if method != "GET" else None, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                data = json.loads(payload)
                code, message = data.get("error", ""), data.get("message", "")
            except (ValueError, AttributeError):
                code, message = "", ""
            if exc.code == 401 and code == "unknown_certificate" and _retry_register:
                self.register()
                return self._request(method, path, body, content_type, _retry_register=False)
            retryable = exc.code >= 500 or exc.code in (408, 429)
            raise HubError(
                message or f"連携基盤がエラーを返しました（HTTP {exc.code}）。",
                status=exc.code,
                code=code,
                retryable=retryable,
            ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            raise HubError(f"連携基盤に接続できません（{type(exc).__name__}）。", retryable=True) from None

    def _json(self, method: str, path: str, body: bytes = b"", content_type: str = "application/json"):
        _status, _headers, payload = self._request(method, path, body, content_type)
        return json.loads(payload)

    # -- API -------------------------------------------------------------------------

    def register(self) -> dict:
        """Register this office's certificate with the hub (proof of possession: the request is signed)."""
        body = pki.certificate_pem(self.certificate).encode("ascii")
        _status, _headers, payload = self._request(
            "POST", "/api/certificates", body, "application/x-pem-file", _retry_register=False
        )
        self._registered = True
        return json.loads(payload)

    def submit(self, package: bytes) -> dict:
        return self._json("POST", "/api/packages", package, "application/octet-stream")

    def inbox(self, limit: int = 100) -> list[dict]:
        return self._json("GET", f"/api/inbox?limit={int(limit)}")["packages"]

    def fetch(self, package_id: str) -> bytes:
        _status, _headers, payload = self._request("GET", f"/api/packages/{urllib.parse.quote(str(package_id))}")
        return payload

    def ack(self, package_id: str, status: str, detail: str = "") -> dict:
        body = json.dumps({"status": status, "detail": detail}, ensure_ascii=False).encode("utf-8")
        return self._json("POST", f"/api/packages/{urllib.parse.quote(str(package_id))}/ack", body)

    def status(self, package_id: str) -> dict:
        return self._json("GET", f"/api/packages/{urllib.parse.quote(str(package_id))}/status")

    def sent(self, updated_after: str | None = None, limit: int = 500) -> list[dict]:
        query = {"limit": str(int(limit))}
        if updated_after:
            query["updated_after"] = updated_after
        return self._json("GET", "/api/sent?" + urllib.parse.urlencode(query))["packages"]

    def office_certificates(self, office_number: str) -> list[dict]:
        """The current certificates the hub publishes for an office (verify them: sealing.recipient_certificates)."""
        return self._json("GET", f"/api/offices/{urllib.parse.quote(str(office_number))}/certificates")["certificates"]

    def revoke(self, fingerprint: str, reason: str = "") -> dict:
        body = json.dumps({"reason": reason}, ensure_ascii=False).encode("utf-8")
        return self._json("POST", f"/api/certificates/{urllib.parse.quote(str(fingerprint))}/revoke", body)

    def revocations(self) -> list[dict]:
        return self._json("GET", "/api/revocations")["revoked"]
