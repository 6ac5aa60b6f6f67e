"""Every route of the running server × every role × every foreign id, generated.

The routes come from the app's own route table (``app.router.routes()``) and their query
parameters and JSON bodies from the ``/v1/openapi.json`` the server serves, so a route added
tomorrow is attacked without anyone listing it. Each id a route takes — in its path, its
query or its body — is aimed, one at a time, at what the caller may not see:

- another organization's record of that kind (Northwind's fund, call, device, blob…);
- for a reader without the whole organization (DESIGN §4: counsel, lender, LP): another LP's
  record (Granite's LP id, the call only Granite owes) and the deal it is not entitled to;

while every other id of the request is the caller's own. Each attempt must be answered
exactly as the same request with a random id in that place (status and body alike, the id
itself aside): a clear refusal, never a 5xx, no existence oracle. Every JSON body is also
sent with fields it does not define (``org_id``, ``roles``…): refused, never obeyed. Before
and after the whole run both organizations' state digests are the same, and no answer to
anyone holds a Northwind id.

Form posts of the LP portal are the one exemption (:data:`EXEMPT`): they sit behind the
signed double-submit CSRF check, so a request the generator builds is refused there (403)
before any id is read; a test checks that this is still what they answer.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from live_server import LiveServer
from reliability_figures import record
from siege_world import PASSWORD, ROLES, Member, Siege

from core.domain.roles import Action, Role, allowed
from core.ids import new_id

_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")
# Path parameters that name no record: what the generator puts in them.
NOT_IDS = {"period": "2026Q1", "name": "portal.css", "tail": "no/such/page"}
# Form posts behind the portal's CSRF check (see the module's docstring), each answered 403
# without the form's token.
EXEMPT = {
    ("POST", "/portal/sign-in"),
    ("POST", "/portal/confirm"),
    ("POST", "/portal/sign-out"),
    ("POST", "/portal/approve-device"),
}
_HEX64 = re.compile(r"[0-9a-f]{64}")
_VARYING = re.compile(r'(csrf[^>]*?value="|nonce-|nonce=")[^"\']+')


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as the route table has it, e.g. /v1/devices/{device_id}

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.path)

    def url(self, values: dict[str, str]) -> str:
        return _PARAM.sub(lambda m: values[m.group(1)], self.path)


def route_table(server: LiveServer) -> list[Route]:
    routes = set()
    for route in server.runner.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if route.method != "HEAD" and path:
            # A route for any method ("*", the portal's fallback) is attacked as a read.
            routes.add(Route("GET" if route.method == "*" else route.method, path))
    return sorted(routes, key=lambda r: (r.path, r.method))


def _kind_of(name: str) -> str:
    """``call`` for ``call_id``: the key of a record of that kind in the siege's maps."""
    return name.removesuffix("_id")


def _targets(siege: Siege, role: str | None, name: str) -> list[tuple[str, str]]:
    """(what, id) the caller may not see, for a slot named ``name``."""
    kind = _kind_of(name)
    found = [("other organization", siege.foreign.get(kind, siege.foreign["org"]))]
    reads_all = role is not None and allowed(frozenset({Role(role)}), Action.READ_ORG)
    if not reads_all:
        for what, pool in (("another LP", siege.other_lp), ("unentitled deal", siege.hidden)):
            if kind in pool:
                found.append((what, pool[kind]))
    return found


def _random_like(value: str) -> str:
    return secrets.token_hex(32) if _HEX64.fullmatch(value) else new_id()


def _own(siege: Siege, name: str) -> str:
    if name in NOT_IDS:
        return NOT_IDS[name]
    return siege.own.get(_kind_of(name), new_id())


# -- bodies and queries from the OpenAPI document -----------------------------------------


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _value(doc: dict[str, Any], name: str, schema: dict[str, Any], caller: Member | None) -> Any:
    schema = _resolve(doc, schema)
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if options:
        return _value(doc, name, options[0], caller)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    if schema.get("format") == "uuid":
        return new_id()
    if name == "email" and caller is not None:
        return caller.email
    if name in ("password", "current_password"):
        return PASSWORD
    return "Siege-value-0123456789"


def _body(doc: dict[str, Any], operation: dict[str, Any], caller: Member | None) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = _resolve(doc, content["application/json"]["schema"])
    props = schema.get("properties", {})
    return {name: _value(doc, name, sub, caller) for name, sub in props.items()}


def _uuid_fields(doc: dict[str, Any], body: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    schema = _resolve(doc, operation["requestBody"]["content"]["application/json"]["schema"])

    def is_uuid(sub: dict[str, Any]) -> bool:
        sub = _resolve(doc, sub)
        return sub.get("format") == "uuid" or any(is_uuid(s) for s in sub.get("anyOf", []))

    return [n for n, sub in schema.get("properties", {}).items() if is_uuid(sub) and n in body]


# -- one request, and what it must answer ---------------------------------------------------


@dataclass
class Request:
    route: Route
    path_values: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    slot: str = ""  # the attacked place, e.g. "other organization in device_id"
    target: str = ""  # the id in it


def _send(http: httpx.Client, req: Request, caller: Member | None) -> httpx.Response:
    headers = {**caller.auth, "Cookie": f"dealos_portal={caller.token}"} if caller else {}
    kw: dict[str, Any] = {"params": req.query, "headers": headers}
    if req.body is not None:
        kw["json"] = req.body
    elif req.route.method in ("POST", "PUT"):
        if req.route.path.startswith("/v1/blobs/"):
            kw["content"] = b"siege bytes"
        else:
            kw["data"] = {"csrf": "forged", "request": req.target or new_id()}
    return http.request(req.route.method, req.route.url(req.path_values), **kw)


def _seen(resp: httpx.Response, target: str) -> tuple[int, str, str]:
    """The answer without what is new in each request: the id tried, CSRF tokens, nonces."""
    text = resp.text.replace(target, "<id>") if target else resp.text
    text = _VARYING.sub(r"\1<varies>", text)
    return resp.status_code, resp.headers.get("content-type", ""), text


def _variants(
    siege: Siege, doc: dict[str, Any], route: Route, role: str | None, caller: Member | None
) -> Iterator[tuple[Request, Request]]:
    """(attack, the same with a random id) for every id slot of ``route``."""
    own = {p: _own(siege, p) for p in route.params}
    operation = doc["paths"].get(route.path, {}).get(route.method.lower(), {})
    body = _body(doc, operation, caller)
    for param in route.params:
        if param in NOT_IDS:
            continue
        for what, target in _targets(siege, role, param):
            rand = _random_like(target)
            yield (
                Request(route, {**own, param: target}, body=body, slot=f"{what} in {param}",
                        target=target),
                Request(route, {**own, param: rand}, body=body, target=rand),
            )  # fmt: skip
    for spec in operation.get("parameters", []):
        if spec["in"] == "query" and spec["schema"].get("format") == "uuid":
            for what, target in _targets(siege, role, spec["name"]):
                rand = new_id()
                yield (
                    Request(route, own, {spec["name"]: target}, body, f"{what} in ?{spec['name']}",
                            target),
                    Request(route, own, {spec["name"]: rand}, body, target=rand),
                )  # fmt: skip
    if isinstance(body, dict):
        for name in _uuid_fields(doc, body, operation):
            for what, target in _targets(siege, role, name):
                rand = new_id()
                yield (
                    Request(route, own, body={**body, name: target}, slot=f"{what} in .{name}",
                            target=target),
                    Request(route, own, body={**body, name: rand}, target=rand),
                )  # fmt: skip


def _mass_assigned(
    siege: Siege, doc: dict[str, Any], route: Route, caller: Member | None
) -> Request | None:
    operation = doc["paths"].get(route.path, {}).get(route.method.lower(), {})
    body = _body(doc, operation, caller)
    if not isinstance(body, dict):
        return None
    extra = {"org_id": siege.foreign["org"], "roles": ["gp", "admin"], "role": "admin",
             "user_id": siege.foreign["user"], "is_admin": True}  # fmt: skip
    extra = {k: v for k, v in extra.items() if k not in body}
    return Request(
        route,
        {p: new_id() if p not in NOT_IDS else NOT_IDS[p] for p in route.params},
        body={**body, **extra},
        slot="fields it does not define",
    )


def _states(siege: Siege) -> list[dict[str, Any]]:
    return [siege.home.state(), siege.victim.state()]


def test_every_route_every_role_every_foreign_id_is_answered_as_a_random_id(
    siege: Siege, siege_server: LiveServer, siege_http: httpx.Client
) -> None:
    doc = siege_http.get("/v1/openapi.json").json()
    routes = route_table(siege_server)
    unknown = {p for r in routes for p in r.params if not p.endswith("_id") and p != "sha256"}
    assert unknown <= NOT_IDS.keys(), f"path parameters the generator cannot fill: {unknown}"
    before = _states(siege)
    northwind = list(siege.foreign.values())
    callers: list[tuple[str | None, Member | None]] = [(None, None)]
    callers += [(role, siege.people[role]) for role in ROLES]
    attempted = refused = 0
    failures: list[str] = []
    opened: set[tuple[str, str]] = set()  # (route, caller) whose own ids opened a record
    for route in routes:
        if (route.method, route.path) in EXEMPT:
            continue
        for role, member in callers:
            # A route may end the session it is called with (logout, logout-all): each
            # route meets each caller in a session of its own.
            caller = siege.home.fresh_session(member) if member else None
            who = role or "anonymous"
            pairs = list(_variants(siege, doc, route, role, caller))
            mass = _mass_assigned(siege, doc, route, caller)
            for attack, control in pairs:
                attempted += 1
                hit = _send(siege_http, attack, caller)
                miss = _send(siege_http, control, caller)
                where = f"{route.method} {route.path} as {who}, {attack.slot}"
                if hit.status_code >= 500 or 200 <= hit.status_code < 300:
                    failures.append(f"{where}: answered {hit.status_code}")
                elif _seen(hit, attack.target) != _seen(miss, control.target):
                    failures.append(
                        f"{where}: {hit.status_code} {hit.text[:200]!r} but a random id got "
                        f"{miss.status_code} {miss.text[:200]!r}"
                    )
                else:
                    refused += 1
            if mass is not None:
                attempted += 1
                resp = _send(siege_http, mass, caller)
                if 400 <= resp.status_code < 500:
                    refused += 1
                else:
                    failures.append(
                        f"{route.method} {route.path} as {who} with fields it does not define: "
                        f"{resp.status_code} {resp.text[:200]!r}"
                    )
            # A read as the caller would make it: whatever it answers, never a 5xx and never
            # a Northwind id.
            if route.method != "GET":
                continue
            plain = Request(route, {p: _own(siege, p) for p in route.params},
                            body=_body(doc, doc["paths"].get(route.path, {}).get(
                                route.method.lower(), {}), caller))  # fmt: skip
            resp = _send(siege_http, plain, caller)
            if 200 <= resp.status_code < 300 and route.params:
                opened.add((route.path, who))
            if resp.status_code >= 500:
                failures.append(f"{route.method} {route.path} as {who}: {resp.status_code}")
            leaked = [v for v in northwind if v in resp.text]
            if leaked:
                failures.append(f"{route.method} {route.path} as {who} showed {leaked}")
    record("generated attacks", attempted=attempted, refused=refused)
    assert failures == []
    assert attempted > 300, attempted
    # The comparison can tell a record from nothing: the same routes with the caller's own
    # ids open the LP's fund page, its call notice and its fund's letter.
    lp_pages = {path for path, who in opened if who == "lp"}
    assert "/v1/blobs/{sha256}" in lp_pages, opened
    assert any(p.endswith("notice.pdf") for p in lp_pages), opened
    assert any(p.endswith("{fund_id}") for p in lp_pages), opened
    assert _states(siege) == before


def test_the_exemptions_are_routes_that_still_refuse_a_form_without_its_token(
    siege: Siege, siege_server: LiveServer, siege_http: httpx.Client
) -> None:
    table = {(r.method, r.path) for r in route_table(siege_server)}
    assert table >= EXEMPT, f"exempt routes that no longer exist: {EXEMPT - table}"
    for role in (None, "lp", "gp"):
        caller = siege.home.fresh_session(siege.people[role]) if role else None
        for method, path in sorted(EXEMPT):
            resp = _send(siege_http, Request(Route(method, path), {}), caller)
            assert resp.status_code == 403, (method, path, role, resp.status_code)
