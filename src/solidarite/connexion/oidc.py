"""The OpenID Connect client of each provider, through authlib (docs/decisions/0005-identites.md).

authlib does the protocol: discovery, PKCE (S256), `state` kept in the session, `nonce`, the token request, and
the id_token's signature (JWKS), `iss`, `aud`, `exp`, `iat` and `nonce`. What it leaves to us: a userinfo answered
as a signed JWT (`application/jwt`, as ProConnect and Pro Santé Connect do), and reading each provider's claims.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from authlib.integrations.django_client import OAuth
from django.conf import settings
from joserfc import jwt
from joserfc.errors import JoseError as JoserfcError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from .comptes import NO_RPPS, Identite, normalize_rpps

_clients: dict[tuple[str, ...], Any] = {}
# Seconds a provider has to answer each request (discovery, keys, token, userinfo): a provider that hangs must not
# hold a worker. requests' `timeout` is per connection and per read, so a slow trickle is cut too.
TIMEOUT = 10
# What the discovery document must give (OpenID Connect Discovery 1.0, section 3), each as an http(s) address.
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
SUB_MAX = 255


class InvalidResponseError(Exception):
    """The provider's answer cannot be trusted (signature, issuer, audience, nonce, expiry, format)."""


class UnusableDiscoveryError(Exception):
    """The provider's discovery document is not one we can use (not an object, endpoint missing, other issuer)."""


def enabled() -> dict[str, dict[str, str]]:
    providers: dict[str, dict[str, str]] = settings.SOLIDARITE_OIDC
    return providers


def client(name: str) -> Any:
    """authlib's client for a provider, kept per process (its discovery document and keys with it)."""
    conf = enabled()[name]
    key = (name, conf["issuer"], conf["client_id"], conf["client_secret"], conf["scopes"])
    if key not in _clients:
        registry = OAuth()
        registry.register(
            name=name,
            client_id=conf["client_id"],
            client_secret=conf["client_secret"],
            server_metadata_url=f"{conf['issuer']}/.well-known/openid-configuration",
            client_kwargs={
                "scope": conf["scopes"],
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_post",
                "default_timeout": TIMEOUT,  # authlib's OAuth2Session ignores a plain "timeout" here
            },
        )
        _clients[key] = registry.create_client(name)
    return _clients[key]


def metadata(name: str) -> dict[str, Any]:
    """The provider's discovery document, checked before authlib reads it: a JSON object naming our issuer and its
    endpoints. A document that fails is dropped with its client, so the next login asks again (authlib would keep
    it for the life of the process). Raises requests' errors when unreachable, UnusableDiscoveryError otherwise."""
    conf = enabled()[name]
    oauth = client(name)
    try:
        document = oauth.load_server_metadata()
    except (TypeError, ValueError):  # not JSON, or JSON that is not an object (authlib's dict.update)
        _forget(name)
        raise UnusableDiscoveryError("document de découverte illisible") from None
    missing = [
        key
        for key in ENDPOINTS
        if not (isinstance(document.get(key), str) and document[key].startswith(("https://", "http://")))
    ]
    if missing or str(document.get("issuer", "")).rstrip("/") != conf["issuer"]:
        _forget(name)
        raise UnusableDiscoveryError("document de découverte incomplet ou d'un autre émetteur")
    result: dict[str, Any] = document
    return result


def _forget(name: str) -> None:
    for key in [key for key in _clients if key[0] == name]:
        del _clients[key]


def accepted_acr(acr_values: str) -> list[str]:
    """The `acr` an id_token may carry when these were asked: the same, or a higher eIDAS level."""
    accepted = acr_values.split()
    for value in list(accepted):
        if value.startswith("eidas") and value[5:].isdigit():
            accepted += [f"eidas{level}" for level in range(int(value[5:]) + 1, 4)]
    return list(dict.fromkeys(accepted))


def claims_options(name: str) -> dict[str, Any]:
    conf = enabled()[name]
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": conf["issuer"]},
        "aud": {"essential": True, "value": conf["client_id"]},
        "exp": {"essential": True},
    }
    if conf.get("acr_values"):
        # Asking for a level is not getting it: the id_token must say it was reached.
        options["acr"] = {"essential": True, "values": accepted_acr(conf["acr_values"])}
    return options


def fetch_token(name: str, request: Any) -> dict[str, Any]:
    """Exchange the code (PKCE verifier, state and nonce checked by authlib); the verified id_token claims in
    `token["userinfo"]`. Raises authlib's OAuthError or a Jose error when anything is wrong."""
    token: dict[str, Any] = client(name).authorize_access_token(
        request, claims_options=claims_options(name), leeway=30
    )
    if "userinfo" not in token or not token["userinfo"]:
        raise InvalidResponseError("id_token absent")
    return token


def userinfo(name: str, token: dict[str, Any]) -> dict[str, Any]:
    """The userinfo endpoint's answer, JSON or a signed JWT (checked against the provider's keys)."""
    oauth = client(name)
    metadata = oauth.load_server_metadata()
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint:
        return {}
    response = oauth.get(endpoint, token=token)
    if response.status_code != 200:
        raise InvalidResponseError(f"userinfo : statut {response.status_code}")
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    if kind == "application/jwt":
        try:
            decoded = jwt.decode(
                response.text.strip(),
                KeySet.import_key_set(oauth.fetch_jwk_set()),
                registry=JWSRegistry(algorithms=metadata.get("userinfo_signing_alg_values_supported")),
            )
        except (JoserfcError, ValueError) as error:
            raise InvalidResponseError(f"userinfo signé invalide : {type(error).__name__}") from None
        data = dict(decoded.claims)
        conf = enabled()[name]
        audience = data.get("aud")
        if data.get("iss") != conf["issuer"] or conf["client_id"] not in (
            audience if isinstance(audience, list) else [audience]
        ):
            raise InvalidResponseError("userinfo signé : émetteur ou audience inattendus")
    else:
        try:
            data = response.json()
        except ValueError:
            raise InvalidResponseError("userinfo illisible") from None
    if not isinstance(data, dict):
        raise InvalidResponseError("userinfo illisible")
    if "sub" not in data:
        # OpenID Connect Core 5.3.2: without a sub to compare with the id_token's, the answer is not used.
        raise InvalidResponseError("userinfo sans sub")
    return data


def identite(name: str, token: dict[str, Any]) -> Identite:
    """The person, from the verified id_token claims and the userinfo (whose `sub` must be the same)."""
    claims = dict(token["userinfo"])
    sub = claims["sub"]
    if not isinstance(sub, str) or not 0 < len(sub) <= SUB_MAX or not sub.isascii():
        # OIDC Core 2: at most 255 ASCII characters (IdentiteExterne.sub's column: a longer one failed to save).
        raise InvalidResponseError("sub vide, trop long ou non ASCII")
    info = userinfo(name, token)
    if info and str(info["sub"]) != str(claims["sub"]):
        raise InvalidResponseError("userinfo : sub différent de l'id_token")
    amr = claims.get("amr") or []
    person = Identite(
        fournisseur=name,
        sub=str(claims["sub"]),
        acr=str(claims.get("acr", "")),
        amr=[str(a) for a in amr] if isinstance(amr, list) else [],
    )
    if name == "psc":
        raw = info.get("SubjectNameID") or info.get("preferred_username") or claims.get("preferred_username")
        # No valid RPPS in the claims: NO_RPPS, which matches no one (the page says what was missing).
        return replace(person, rpps=normalize_rpps(raw) or NO_RPPS)
    if name == "proconnect":
        email = str(info.get("email") or claims.get("email") or "").strip().lower()
        if info.get("email_verified") is False:
            email = ""
        return replace(person, email=email or "-")
    return person


__all__ = [
    "InvalidResponseError",
    "UnusableDiscoveryError",
    "client",
    "enabled",
    "fetch_token",
    "identite",
    "metadata",
]
