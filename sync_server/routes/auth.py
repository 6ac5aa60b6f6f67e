"""Sign-in and sign-out: passwords for staff, magic links for LPs, sessions for both."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import Engine

from core.domain.roles import Role
from core.sync.messages import MagicLinkSent, SessionGranted
from sync_server.api_errors import ApiError
from sync_server.app_context import (
    DB,
    MAILER,
    PASSWORDS,
    SETTINGS,
    clear_rate_limit,
    client_address,
    enforce_rate_limit,
    require_caller,
    run_db,
)
from sync_server.credentials import Account, Passwords, find_accounts, set_password, stored_hash
from sync_server.database import tenant_tx
from sync_server.invitations import accept_invitation
from sync_server.magic_links import issue_links, redeem
from sync_server.rate_limits import bucket_name
from sync_server.replies import reply
from sync_server.request_bodies import (
    ConsumeBody,
    InvitationAcceptBody,
    LoginBody,
    MagicLinkBody,
    PasswordBody,
    parse_body,
    read_json,
)
from sync_server.request_log import logger
from sync_server.sessions import (
    IssuedSession,
    create_session,
    revoke_session,
    revoke_user_sessions,
    roles_of,
)

__all__ = ["BACKGROUND", "routes"]

routes = web.RouteTableDef()
BACKGROUND = web.AppKey("background_tasks", set[asyncio.Task[None]])

INVALID = ApiError(401, "invalid_credentials", "the email or the password is wrong")


def _granted(org_id: str, user_id: str, roles: list[str], s: IssuedSession) -> web.Response:
    return reply(
        SessionGranted(
            session_token=s.token,
            user_id=user_id,
            org_id=org_id,
            roles=[Role(r) for r in roles],
            expires_at=s.expires_at_text,
        )
    )


def _open_session(
    engine: Engine, account: Account, ttl: int, method: str
) -> tuple[IssuedSession, list[str]]:
    with tenant_tx(engine, account.org_id) as conn:
        session = create_session(
            conn, account.org_id, account.user_id, method=method, ttl_seconds=ttl
        )
        return session, roles_of(conn, account.user_id)


def _check_password(
    engine: Engine, passwords: Passwords, email: str, password: str, org_id: str | None
) -> list[Account]:
    accounts = [a for a in find_accounts(engine, email) if org_id in (None, a.org_id)]
    matches, checked = [], False
    for account in accounts:
        stored = stored_hash(engine, account)
        if stored is not None:
            checked = True
            if passwords.verify(stored, password):
                matches.append(account)
    if not checked:
        passwords.burn(password)
    return matches


@routes.post("/v1/auth/login")
async def login(request: web.Request) -> web.Response:
    """Sign in with a password. Attempts count per client address and per (email,
    address); the right password clears the second, so the owner's own typos do not pile
    up, while guesses from another address never count against the owner's."""
    body = parse_body(LoginBody, await read_json(request))
    limits = request.app[SETTINGS].rate_limits
    ip = client_address(request)
    own = bucket_name("login-account-ip", body.email.lower(), ip)
    await enforce_rate_limit(
        request,
        (bucket_name("login-ip", ip), limits.login_per_ip),
        (own, limits.login_per_account_ip),
    )
    matches = await run_db(
        request, _check_password, request.app[PASSWORDS], body.email, body.password, body.org_id
    )
    if not matches:
        logger().info("auth.login_failed")
        raise INVALID
    await clear_rate_limit(request, own)
    if len(matches) > 1:
        raise ApiError(
            409,
            "org_required",
            "these credentials open several organizations: name one in org_id",
            field="org_id",
            details={"org_ids": [m.org_id for m in matches]},
        )
    ttl = request.app[SETTINGS].session_ttl_seconds
    session, roles = await run_db(request, _open_session, matches[0], ttl, "password")
    logger().info("auth.login", user_id=matches[0].user_id, org_id=matches[0].org_id)
    return _granted(matches[0].org_id, matches[0].user_id, roles, session)


def _logout(engine: Engine, org_id: str, session_id: str | None, user_id: str | None) -> None:
    with tenant_tx(engine, org_id) as conn:
        if session_id is not None:
            revoke_session(conn, session_id)
        if user_id is not None:
            revoke_user_sessions(conn, user_id)


@routes.post("/v1/auth/logout")
async def logout(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    await run_db(request, _logout, caller.org_id, caller.session_id, None)
    return web.Response(status=204)


@routes.post("/v1/auth/logout-all")
async def logout_all(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    await run_db(request, _logout, caller.org_id, None, caller.user_id)
    return web.Response(status=204)


def _change_password(
    engine: Engine, passwords: Passwords, account: Account, body: PasswordBody, ttl: int
) -> tuple[IssuedSession, list[str]] | None:
    stored = stored_hash(engine, account)
    if not passwords.verify(stored, body.current_password):
        return None
    new_hash = passwords.hash(body.new_password)
    with tenant_tx(engine, account.org_id) as conn:
        set_password(conn, account.org_id, account.user_id, new_hash)
        revoke_user_sessions(conn, account.user_id)
        session = create_session(
            conn, account.org_id, account.user_id, method="password", ttl_seconds=ttl
        )
        return session, roles_of(conn, account.user_id)


@routes.post("/v1/auth/password")
async def change_password(request: web.Request) -> web.Response:
    """Change one's password: every session of the user ends; a new one is returned.

    The current password is a credential check like a login: limited per client address
    and per (user, address), the latter cleared by the right current password."""
    caller = await require_caller(request)
    body = parse_body(PasswordBody, await read_json(request))
    limits = request.app[SETTINGS].rate_limits
    ip = client_address(request)
    own = bucket_name("password-account-ip", caller.user_id, ip)
    await enforce_rate_limit(
        request,
        (bucket_name("password-ip", ip), limits.password_change_per_ip),
        (own, limits.password_change_per_account_ip),
    )
    account = Account(caller.org_id, caller.user_id)
    ttl = request.app[SETTINGS].session_ttl_seconds
    done = await run_db(request, _change_password, request.app[PASSWORDS], account, body, ttl)
    if done is None:
        raise ApiError(401, "invalid_credentials", "the current password is wrong")
    await clear_rate_limit(request, own)
    session, roles = done
    return _granted(caller.org_id, caller.user_id, roles, session)


async def _send_links(app: web.Application, email: str) -> None:
    settings, db = app[SETTINGS], app[DB]
    try:
        links = await db.run(issue_links, db.engine, email, settings.magic_link_ttl_seconds)
        for link in links:
            body = (
                f"Sign in to {link.org_name} on Deal OS:\n\n"
                f"{settings.public_url}/lp/sign-in#token={link.token}\n\n"
                "The link works once, for 15 minutes. If you did not ask for it, ignore it."
            )
            await db.run(app[MAILER].send, email, f"Sign in to {link.org_name}", body)
    except Exception:
        logger().exception("magic_link.delivery_failed")


@routes.post("/v1/auth/magic-link")
async def magic_link(request: web.Request) -> web.Response:
    body = parse_body(MagicLinkBody, await read_json(request))
    limits = request.app[SETTINGS].rate_limits
    ip = client_address(request)
    await enforce_rate_limit(
        request,
        (bucket_name("magic-ip", ip), limits.magic_link_per_ip),
        (bucket_name("magic-address-ip", body.email.lower(), ip), limits.magic_link_per_address_ip),
    )
    # The lookup and the mail happen after the answer: same answer, same time, for every
    # address.
    task = asyncio.create_task(_send_links(request.app, body.email))
    tasks = request.app[BACKGROUND]
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return reply(MagicLinkSent(status="sent_if_registered"), status=202)


@routes.post("/v1/auth/magic-link/consume")
async def consume_magic_link(request: web.Request) -> web.Response:
    body = parse_body(ConsumeBody, await read_json(request))
    settings = request.app[SETTINGS]
    # The token is the account (256 random bits): only the address can be counted.
    ip = client_address(request)
    limit = settings.rate_limits.magic_link_consume_per_ip
    await enforce_rate_limit(request, (bucket_name("magic-consume-ip", ip), limit))
    ttl = settings.lp_session_ttl_seconds
    redeemed = await run_db(request, redeem, body.token, ttl)
    if redeemed is None:
        raise ApiError(
            401, "invalid_or_expired_token", "the link is wrong, already used or expired"
        )
    return _granted(redeemed.org_id, redeemed.user_id, redeemed.roles, redeemed.session)


@routes.post("/v1/auth/invitation/accept")
async def accept_invitation_code(request: web.Request) -> web.Response:
    """A staff member invited by email sets a password with the invitation's one-time code
    and is signed in. Attempts count per client address and per (email, address), as
    logins do; a wrong, used or expired code — or one whose user may not sign in with it
    any more — gets one answer."""
    body = parse_body(InvitationAcceptBody, await read_json(request))
    settings = request.app[SETTINGS]
    limits, ip = settings.rate_limits, client_address(request)
    own = bucket_name("invitation-account-ip", body.email.lower(), ip)
    await enforce_rate_limit(
        request,
        (bucket_name("invitation-ip", ip), limits.invitation_accept_per_ip),
        (own, limits.invitation_accept_per_account_ip),
    )
    password_hash = await request.app[DB].run(request.app[PASSWORDS].hash, body.password)
    accepted = await run_db(
        request,
        accept_invitation,
        body.email,
        body.code,
        password_hash,
        settings.session_ttl_seconds,
    )
    if accepted is None:
        logger().info("invitation.accept_failed")
        raise ApiError(
            401,
            "invalid_or_expired_code",
            "the invitation code is wrong, already used or expired",
        )
    await clear_rate_limit(request, own)
    logger().info("invitation.accepted", user_id=accepted.user_id, org_id=accepted.org_id)
    return _granted(accepted.org_id, accepted.user_id, accepted.roles, accepted.session)
