"""An OpenID issuer on a local port for tests: discovery documents, JWKS and signed tokens.

`Issuer().url` is one issuer; `issuer.at("POOL")` is another on the same server, under that
path (as Cognito user pools are `https://cognito-idp.REGION.amazonaws.com/POOL`). Each publishes
`/.well-known/openid-configuration` and `/.well-known/jwks.json`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/.well-known/jwks.json"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(kid: str, key: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "kid": kid,
        "alg": "RS256",
        "use": "sig",
        "n": b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        "e": b64(numbers.e.to_bytes(3, "big")),
    }


class Issuer:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwks: dict[str, Any] = {"keys": [jwk("k1", self.key)]}
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                base = issuer.root
                if self.path.endswith(DISCOVERY):
                    url = base + self.path[: -len(DISCOVERY)]
                    body = json.dumps({"issuer": url, "jwks_uri": url + JWKS}).encode()
                elif self.path.endswith(JWKS):
                    body = json.dumps(issuer.jwks).encode()
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.root = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = self.root
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def at(self, path: str) -> str:
        """The URL of another issuer on this server, under `path`."""
        return f"{self.root}/{path}"

    def token(self, *, key: rsa.RSAPrivateKey | None = None, kid: str = "k1", alg: str = "RS256",
              **claims: Any) -> str:
        """A signed JWT; claims given as None are left out."""
        now = int(time.time())
        body = {"iss": self.url, "aud": "my-app", "sub": "user-1", "iat": now, "exp": now + 600, **claims}
        body = {k: v for k, v in body.items() if v is not None}
        header = b64(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}).encode())
        signing = f"{header}.{b64(json.dumps(body).encode())}"
        signature = (key or self.key).sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing}.{b64(signature)}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
