"""A small but real OpenID Connect provider for the tests, served over HTTP on 127.0.0.1 in a thread.

Discovery, JWKS (an RSA key generated at start), an authorize endpoint showing a consent page ("Accepter" /
"Refuser"), a token endpoint that checks the code, the client's secret, the redirect URI and the PKCE (S256)
verifier, a userinfo endpoint (JSON or a signed JWT) and an end-session endpoint. Knobs make it misbehave:
`tamper` signs the id_token with another key or gives a wrong iss / aud / nonce / an expired exp.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

TAMPERS = ("cle", "iss", "aud", "nonce", "exp")
# Forgeries an attacker writes without the provider's private key, and a token not valid yet.
FORGERIES = ("alg-none", "hs256-cle-publique", "nbf-futur", "sans-signature")


@dataclass
class Provider:
    clients: dict[str, str] = field(default_factory=dict)  # client_id -> secret
    person: dict[str, Any] = field(default_factory=dict)  # claims of the next login (sub, ...)
    tamper: str = ""
    userinfo_jwt: bool = False
    acr: str = "eidas1"
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)  # every code, token and id_token handed out
    logouts: list[dict[str, str]] = field(default_factory=list)
    authorizations: list[dict[str, str]] = field(default_factory=list)  # the parameters of each request
    token_errors: list[str] = field(default_factory=list)
    # Claims of the userinfo answer changed from `person` (None: left out), e.g. another sub, or none.
    userinfo_changes: dict[str, Any] = field(default_factory=dict)
    # Misbehaving endpoints, path -> fault: "500", "lent" (answers after `delay` seconds), "json" (not JSON),
    # "vide" ({}), "liste" (a JSON array), "emetteur" (the discovery document of another issuer).
    faults: dict[str, str] = field(default_factory=dict)
    delay: float = 3.0

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "cle-1", "use": "sig", "alg": "RS256"})
        # Same kid, other key: the client finds "its" key and the signature does not verify.
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "cle-1", "use": "sig", "alg": "RS256"})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> Provider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings_for(self, name: str) -> dict[str, str]:
        client_id = f"solidarite-{name}"
        self.clients.setdefault(client_id, secrets.token_urlsafe(24))
        return {
            "issuer": self.issuer,
            "client_id": client_id,
            "client_secret": self.clients[client_id],
            "scopes": "openid email",
            "acr_values": "eidas1" if name != "proconnect" else "",
        }

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    def id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": self.person["sub"],
            "aud": grant["client_id"],
            "exp": now + 300,
            "iat": now,
            "nonce": grant["nonce"],
            "acr": self.acr,
            "amr": ["pwd", "otp"],
        }
        if self.tamper == "iss":
            claims["iss"] = "https://faux-fournisseur.invalid"
        elif self.tamper == "aud":
            claims["aud"] = "un-autre-client"
        elif self.tamper == "nonce":
            claims["nonce"] = "nonce-rejoue"
        elif self.tamper == "exp":
            claims["exp"], claims["iat"] = now - 3600, now - 4000
        elif self.tamper == "nbf-futur":
            claims["nbf"], claims["iat"] = now + 3600, now + 3600
        if self.tamper in FORGERIES[:2] or self.tamper == "sans-signature":
            return _forge(self.tamper, claims, self.key)
        key = self.other_key if self.tamper == "cle" else self.key
        return jwt.encode({"alg": "RS256", "kid": "cle-1"}, claims, key)

    def userinfo(self, token: dict[str, Any]) -> tuple[str, bytes]:
        claims = dict(self.person)
        claims.update(self.userinfo_changes)
        claims = {k: v for k, v in claims.items() if v is not None}
        if self.userinfo_jwt:
            claims.update(iss=self.issuer, aud=token["client_id"])
            return "application/jwt", jwt.encode({"alg": "RS256", "kid": "cle-1"}, claims, self.key).encode()
        return "application/json", json.dumps(claims).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(kind: str, claims: dict[str, Any], key: RSAKey) -> str:
    """A token made without the private key: `alg: none`, HS256 keyed with the public key's PEM (the classic
    algorithm confusion), or an RS256 header with the signature removed."""
    alg = {"alg-none": "none", "hs256-cle-publique": "HS256"}.get(kind, "RS256")
    signing_input = (
        f"{_b64(json.dumps({'alg': alg, 'kid': 'cle-1'}).encode())}.{_b64(json.dumps(claims).encode())}"
    )
    if kind == "hs256-cle-publique":
        secret = key.as_pem(private=False)
        return f"{signing_input}.{_b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"
    return f"{signing_input}."


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


CONSENT = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Fournisseur de test</title></head>
<body><h1>Fournisseur d'identité de test</h1><p>Le service {client} demande à connaître votre identité.</p>
<form method="post" action="/authorize">{hidden}
<button type="submit" name="decision" value="accepter">Accepter</button>
<button type="submit" name="decision" value="refuser">Refuser</button></form></body></html>"""


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json", **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            try:
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (the « lent » fault)
                pass

        def _json(self, status: int, data: dict[str, Any]) -> None:
            self._send(status, json.dumps(data).encode())

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length", "0"))
            return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

        def _fault(self, path: str) -> bool:
            """Misbehaves as `provider.faults` says for this path; True when the answer is sent."""
            fault = provider.faults.get(path, "")
            if fault == "lent":
                time.sleep(provider.delay)
                return False
            if fault == "500":
                self._send(500, b"Internal Server Error", "text/plain")
            elif fault == "json":
                self._send(200, b"{pas du json")
            elif fault == "vide":
                self._send(200, b"{}")
            elif fault == "liste":
                self._send(200, b"[1, 2]")
            elif fault == "emetteur":
                self._json(200, {**provider.discovery(), "issuer": "https://autre-fournisseur.invalid"})
            return bool(fault)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if self._fault(url.path):
                return
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._json(200, provider.discovery())
            elif url.path == "/jwks":
                self._json(200, {"keys": [provider.key.as_dict(private=False)]})
            elif url.path == "/authorize":
                provider.authorizations.append(query)
                required = ("client_id", "redirect_uri", "state", "nonce", "code_challenge")
                if (
                    query.get("response_type") != "code"
                    or query.get("client_id") not in provider.clients
                    or query.get("code_challenge_method") != "S256"
                    or any(not query.get(k) for k in required)
                ):
                    self._send(400, b"demande d'autorisation invalide", "text/plain")
                    return
                hidden = "".join(
                    f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                    for k, v in query.items()
                )
                page = CONSENT.format(client=html.escape(query["client_id"]), hidden=hidden)
                self._send(200, page.encode(), "text/html; charset=utf-8")
            elif url.path == "/userinfo":
                auth = self.headers.get("Authorization", "")
                token = provider.tokens.get(auth.removeprefix("Bearer ").strip())
                if not auth.startswith("Bearer ") or token is None:
                    self._json(401, {"error": "invalid_token"})
                    return
                kind, body = provider.userinfo(token)
                self._send(200, body, kind)
            elif url.path == "/logout":
                provider.logouts.append(query)
                target = query.get("post_logout_redirect_uri")
                if target:
                    self._send(302, b"", "text/plain", Location=target)
                else:
                    self._send(200, "Déconnecté".encode(), "text/plain; charset=utf-8")
            else:
                self._send(404, b"introuvable", "text/plain")

        def do_POST(self) -> None:
            url = urlparse(self.path)
            form = self._form()
            if self._fault(url.path):
                return
            if url.path == "/authorize":
                target = form["redirect_uri"]
                if form.get("decision") != "accepter":
                    params = {"error": "access_denied", "error_description": "refus", "state": form["state"]}
                else:
                    code = secrets.token_urlsafe(24)
                    provider.codes[code] = dict(form)
                    provider.issued.append(code)
                    params = {"code": code, "state": form["state"]}
                self._send(303, b"", "text/plain", Location=f"{target}?{urlencode(params)}")
            elif url.path == "/token":
                if form.get("code_verifier"):
                    provider.issued.append(form["code_verifier"])  # a secret of the client's too
                grant = provider.codes.pop(form.get("code", ""), None)  # a code serves once
                error = ""
                if grant is None:
                    error = "code inconnu ou déjà utilisé"
                elif provider.clients.get(form.get("client_id", "")) != form.get("client_secret"):
                    error = "secret du client incorrect"
                elif (
                    form.get("client_id") != grant["client_id"]
                    or form.get("redirect_uri") != grant["redirect_uri"]
                ):
                    error = "client ou redirect_uri différents"
                elif _s256(form.get("code_verifier", "")) != grant["code_challenge"]:
                    error = "vérificateur PKCE incorrect"
                if error or grant is None:
                    provider.token_errors.append(error)
                    self._json(400, {"error": "invalid_grant", "error_description": error})
                    return
                access = secrets.token_urlsafe(24)
                provider.tokens[access] = grant
                id_token = provider.id_token(grant)
                provider.issued += [access, id_token]
                self._json(
                    200,
                    {"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token},
                )
            else:
                self._send(404, b"introuvable", "text/plain")

    return Handler
