"""``dealos serve`` and ``dealos server …``: run the sync server and administer it.

Registered through the ``dealos.commands`` entry point, so core never imports this.

- ``dealos serve [--database-url URL] [--app-database-url URL] [--host H] [--port P]
  [--migrate-only [--to REV]]``: migrate as the owner, make the server's own login role ready, then
  serve logged in as it (:mod:`sync_server.app_role`). Without a URL (or
  ``DEALOS_DATABASE_URL``) an embedded PostgreSQL runs under
  ``<data-dir>/server/postgres``, so sync can be tried on a laptop. ``--migrate-only --to
  REV`` upgrades or downgrades the schema to one migration and exits (a rollback).
- ``dealos server create-org --name N --admin-email E [--admin-name A] [--currency C]
  [--password-stdin]``: a new organization whose admin (GP and admin) can log in.
- ``dealos server invite-org --admin-email E``: a one-time code to attach an organization
  started offline (``POST /v1/orgs/attach``).
- ``dealos server set-password --email E [--org-id ID] [--password-stdin]``.
- ``dealos server audit-verify --org-id ID``: walk an organization's server audit chain.
- ``dealos server verify-log [--org-id ID]``: re-verify every stored op (exit 1 if any fails).
- ``dealos server remove-op --org-id ID --op-id OP… --reason R --keep FILE``: take a forged
  op (and the ops that depend on it) out of the log, audited (sync_server.log_verification).
"""

from __future__ import annotations

import argparse
import gc
import getpass
import multiprocessing
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.audit import head_message, verify_chain
from core.errors import DealOSError
from core.ops.signing import verify_signature
from sync_server.database import head_revision, migrate, owner_engine, set_org
from sync_server.settings import Settings

__all__ = ["register"]

SubParsers = argparse._SubParsersAction


class ServerCommandError(DealOSError):
    """A server command could not do what it was asked (shown as one line)."""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="data folder")
    p.add_argument(
        "--database-url",
        default=os.environ.get("DEALOS_DATABASE_URL"),
        help="owner URL of the server's Postgres (default: $DEALOS_DATABASE_URL, else an "
        "embedded server under the data folder)",
    )


def register(sub: SubParsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the sync server")
    _common(p)
    p.add_argument(
        "--app-database-url",
        default=os.environ.get("DEALOS_APP_DATABASE_URL") or None,
        help="URL of the role the server logs in as, where an operator manages roles "
        "(default: $DEALOS_APP_DATABASE_URL, else the role $DEALOS_APP_ROLE or dealos_app, "
        "created by the owner with a password derived from the server secret)",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8787)
    p.add_argument(
        "--migrate-only",
        action="store_true",
        help="migrate the database, make the server's role ready, and exit",
    )
    p.add_argument(
        "--to",
        metavar="REV",
        help="with --migrate-only: upgrade or downgrade the database to migration REV "
        "(e.g. 0012, head, base) and exit; the server's role is not touched",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="server processes sharing the port (SO_REUSEPORT; default 1): one organization's "
        "pushes are serialized by its lock, different organizations' run in parallel",
    )
    p.set_defaults(handler=_serve)

    server = sub.add_parser("server", help="administer the sync server").add_subparsers(
        dest="server_command", metavar="ACTION", required=True
    )
    p = server.add_parser("create-org", help="create an organization and its first admin")
    _common(p)
    p.add_argument("--name", required=True)
    p.add_argument("--admin-email", required=True)
    p.add_argument("--admin-name", help="display name (default: from the email)")
    p.add_argument("--currency", default="USD")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(handler=_create_org)

    p = server.add_parser("invite-org", help="a one-time code to attach an offline org")
    _common(p)
    p.add_argument("--admin-email", required=True)
    p.set_defaults(handler=_invite_org)

    p = server.add_parser("set-password", help="set a user's password")
    _common(p)
    p.add_argument("--email", required=True)
    p.add_argument("--org-id")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(handler=_set_password)

    p = server.add_parser("rebuild", help="replay an organization's op log into its tables")
    _common(p)
    p.add_argument("--org-id", required=True)
    p.set_defaults(handler=_rebuild)

    p = server.add_parser(
        "verify-log", help="re-verify every stored op against its device's key at that point"
    )
    _common(p)
    p.add_argument("--org-id", help="one organization (default: every one the owner can read)")
    p.set_defaults(handler=_verify_log)

    p = server.add_parser(
        "remove-op", help="remove, audited, an op that fails verification (and its dependents)"
    )
    _common(p)
    p.add_argument("--org-id", required=True)
    p.add_argument("--op-id", action="append", required=True, help="repeat for each op")
    p.add_argument("--reason", required=True, help="why; it is written to the audit log")
    p.add_argument("--keep", type=Path, required=True, help="file the removed ops are saved to")
    p.add_argument("--operator", default=None, help="who removes them (default: your login)")
    p.set_defaults(handler=_remove_op)

    p = server.add_parser("audit-verify", help="verify an organization's server audit chain")
    _common(p)
    p.add_argument("--org-id", required=True)
    p.set_defaults(handler=_audit_verify)


def _settings(args: Any) -> tuple[Settings, Any]:
    """Settings for the URL given, or for an embedded server started under the data dir."""
    data_dir: Path = args.data_dir / "server"
    embedded = None
    url = args.database_url
    if not url:
        from sync_server.embedded_postgres import EmbeddedPostgres

        embedded = EmbeddedPostgres(data_dir / "postgres")
        url = embedded.start()
    return Settings.from_env(url, data_dir), embedded


def _password(args: Any) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise ServerCommandError("the two passwords differ")
    if len(password) < 12:
        raise ServerCommandError("a password has at least 12 characters")
    return password


def _migrate(settings: Settings) -> str:
    """Migrate the owner's database; one clear line when it cannot be reached."""
    from sqlalchemy.exc import OperationalError

    try:
        return str(migrate(settings.database_url))
    except OperationalError as exc:
        raise ServerCommandError(f"cannot reach the database: {exc.orig or exc}") from None


def _move_schema(settings: Settings, revision: str) -> int:
    from sqlalchemy.exc import OperationalError

    from sync_server.database import move_schema

    try:
        before, after = move_schema(settings.database_url, revision)
    except OperationalError as exc:
        raise ServerCommandError(f"cannot reach the database: {exc.orig or exc}") from None
    if before == after:
        print(f"database already at {after or 'base (no tables)'}", flush=True)
    else:
        print(f"database moved from {before or 'base'} to {after or 'base (no tables)'}")
    return 0


def _app_database(settings: Settings) -> Settings:
    """Migrate, make the server's login role ready and check it: the settings to serve
    with. One clear line when a database cannot be reached."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    from sync_server.app_role import prepare_app_database

    try:
        return prepare_app_database(settings)
    except OperationalError as exc:
        raise ServerCommandError(f"cannot reach the database: {exc.orig or exc}") from None
    except psycopg.OperationalError as exc:
        raise ServerCommandError(f"cannot reach the database: {exc}") from None


def _serve(args: Any) -> int:
    if args.workers < 1:
        raise ServerCommandError(f"--workers must be 1 or more, not {args.workers}")
    if args.to and not args.migrate_only:
        raise ServerCommandError("--to goes with --migrate-only: move the schema, then start")
    settings, embedded = _settings(args)
    if args.app_database_url:
        settings = settings.with_(app_database_url=args.app_database_url)
    try:
        if args.to:
            return _move_schema(settings, args.to)
        settings = _app_database(settings)
        print(f"database migrated to {head_revision()}", flush=True)
        _warn_of_another_key(settings)
        if args.migrate_only:
            return 0
        shared = args.workers > 1
        metrics_dir = _shared_metrics(args.data_dir / "server" / "metrics") if shared else None
        from aiohttp import web

        from sync_server.app import create_app

        settings = settings.with_(
            host=args.host, port=args.port, public_url=f"http://{args.host}:{args.port}"
        )
        spawn = multiprocessing.get_context("spawn")
        workers = [
            spawn.Process(target=_worker, args=(settings, os.getpid()), daemon=True)
            for _ in range(args.workers - 1)
        ]
        for worker in workers:
            worker.start()
        try:
            print(
                f"Deal OS sync server on http://{args.host}:{args.port}"
                f"{f' ({args.workers} processes)' if shared else ''}",
                flush=True,
            )
            app = create_app(settings)
            _freeze_loaded()
            web.run_app(
                app,
                host=args.host,
                port=args.port,
                print=None,
                reuse_port=shared or None,
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.join(timeout=10)
            if metrics_dir is not None:
                shutil.rmtree(metrics_dir, ignore_errors=True)
        return 0
    finally:
        if embedded is not None:
            embedded.stop()


def _warn_of_another_key(settings: Settings) -> None:
    """Organizations created with another secret file cannot enroll or revoke a device
    here (every op the server signed would fail as ``invalid_signature``): say so now."""
    from sync_server.server_keys import ServerKeys
    from sync_server.service_account import orgs_of_another_key

    engine = owner_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            names = orgs_of_another_key(conn, ServerKeys.from_file(settings.secret_file))
    finally:
        engine.dispose()
    if names:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        print(
            f"dealos: warning: this server's key differs from the one that created "
            f"{shown}: devices cannot be enrolled or revoked there until it runs with the "
            f"same DEALOS_SERVER_SECRET_FILE ({settings.secret_file} now)",
            file=sys.stderr,
            flush=True,
        )


def _shared_metrics(folder: Path) -> Path | None:
    """Let every process of ``--workers`` count into one set of files under ``folder``, so
    ``/metrics`` answers for the whole server whichever process serves it
    (prometheus_client's multiprocess mode). Counts start from zero at each start, like a
    single process's. Returns the folder to remove at exit, None if the operator set
    ``PROMETHEUS_MULTIPROC_DIR`` (theirs to keep)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    if "prometheus_client" in sys.modules:  # its storage is chosen when it is imported
        raise ServerCommandError("--workers must be set up before the metrics are loaded")
    shutil.rmtree(folder, ignore_errors=True)  # a killed server's counts
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)  # spawned workers inherit it
    return folder


def _worker(settings: Settings, parent: int) -> None:
    """One more server process on the same port (the kernel spreads connections); it
    ends when the first process does, however that one ended."""
    import threading
    import time

    from aiohttp import web

    from sync_server.app import create_app

    def orphaned() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()

    app = create_app(settings)
    _freeze_loaded()
    web.run_app(app, host=settings.host, port=settings.port, print=None, reuse_port=True)


def _freeze_loaded() -> None:
    """Move everything loaded so far (modules, schemas, validators: it lives as long as
    the process) out of the garbage collector's sight, so the full collections a push's
    objects trigger stop walking it again and again: about 10% more ops/s
    (docs/PERFORMANCE.md)."""
    gc.collect()
    gc.freeze()


def _with_owner(args: Any) -> tuple[Settings, Any, Any]:
    settings, embedded = _settings(args)
    _migrate(settings)
    return settings, embedded, owner_engine(settings.database_url)


def _create_org(args: Any) -> int:
    from sync_server.bootstrap import create_org
    from sync_server.credentials import Passwords
    from sync_server.server_keys import ServerKeys

    password = _password(args)
    settings, embedded, engine = _with_owner(args)
    try:
        created = create_org(
            engine,
            ServerKeys.from_file(settings.secret_file),
            name=args.name,
            admin_email=args.admin_email.lower(),
            admin_name=args.admin_name or args.admin_email.split("@")[0].title(),
            password_hash=Passwords(settings.password_cost).hash(password),
            currency=args.currency,
        )
    except DealOSError as exc:
        raise ServerCommandError(f"the organization was not created: {exc}") from exc
    finally:
        engine.dispose()
        if embedded is not None:
            embedded.stop()
    print(f"created {args.name!r}: org {created.org_id}  admin {created.admin_user_id}")
    return 0


def _invite_org(args: Any) -> int:
    from sync_server.bootstrap import invite_org

    settings, embedded, engine = _with_owner(args)
    try:
        code = invite_org(
            engine, admin_email=args.admin_email, ttl_seconds=settings.attach_code_ttl_seconds
        )
    finally:
        engine.dispose()
        if embedded is not None:
            embedded.stop()
    print(code)
    return 0


def _set_password(args: Any) -> int:
    from sync_server.credentials import Passwords, find_accounts, set_password

    password = _password(args)
    settings, embedded, engine = _with_owner(args)
    try:
        accounts = [a for a in find_accounts(engine, args.email) if args.org_id in (None, a.org_id)]
        if len(accounts) != 1:
            raise ServerCommandError(
                "no such user" if not accounts else "several organizations: name one with --org-id"
            )
        with engine.begin() as conn:
            set_org(conn, accounts[0].org_id)
            set_password(
                conn,
                accounts[0].org_id,
                accounts[0].user_id,
                Passwords(settings.password_cost).hash(password),
            )
    finally:
        engine.dispose()
        if embedded is not None:
            embedded.stop()
    print("password set")
    return 0


def _rebuild(args: Any) -> int:
    from sync_server.rebuild import rebuild_org

    _, embedded, engine = _with_owner(args)
    try:
        rebuilt = rebuild_org(engine, args.org_id)
    finally:
        engine.dispose()
        if embedded is not None:
            embedded.stop()
    print(rebuilt.digest_after)
    if rebuilt.digest_after != rebuilt.digest_before:
        print(f"dealos: rebuild changed the digest (was {rebuilt.digest_before})")
        return 1
    return 0


def _audit_verify(args: Any) -> int:
    from sync_server.org_log import audit_entries
    from sync_server.server_keys import ServerKeys

    settings, embedded, engine = _with_owner(args)
    try:
        with engine.begin() as conn:
            set_org(conn, args.org_id)
            entries, (seq, head_hash, signature) = audit_entries(conn, args.org_id)
    finally:
        engine.dispose()
        if embedded is not None:
            embedded.stop()
    key = ServerKeys.from_file(settings.secret_file).audit_head.public_key
    signed = (seq, head_hash) if seq else None
    if seq and not verify_signature(key, head_message(seq, head_hash), signature):
        print(
            f"audit chain broken at entry {seq}: the head's signature does not verify with "
            f"this server's key; if the chain is sound, the key is another: run with the "
            f"DEALOS_SERVER_SECRET_FILE the server uses ({settings.secret_file} now)"
        )
        return 1
    verdict = verify_chain(entries, signed)
    print(verdict.summary())
    return 0 if verdict.ok else 1


def _verify_log(args: Any) -> int:
    from sync_server.log_verification import verify_log, visible_orgs

    _, embedded, engine = _with_owner(args)
    try:
        if args.org_id:
            orgs = [args.org_id]
        else:
            with engine.begin() as conn:
                orgs = visible_orgs(conn)
            if not orgs:
                raise ServerCommandError(
                    "no organization is visible to this database role; name one with --org-id"
                )
        reports = [verify_log(engine, org_id) for org_id in orgs]
    finally:
        engine.dispose()
        if embedded is not None:
            embedded.stop()
    for report in reports:
        print(report.summary())
    return 0 if all(r.ok for r in reports) else 1


def _remove_op(args: Any) -> int:
    from sync_server.log_verification import remove_ops
    from sync_server.server_keys import ServerKeys

    if args.keep.exists():
        raise ServerCommandError(f"{args.keep} exists; name a new file to keep the removed ops")
    operator = args.operator or getpass.getuser()

    def keep(ops: Sequence[tuple[int, str, bytes]]) -> None:
        with args.keep.open("xb") as kept:
            for _, _, raw in ops:
                kept.write(raw + b"\n")

    settings, embedded, engine = _with_owner(args)
    try:
        removed = remove_ops(
            engine,
            ServerKeys.from_file(settings.secret_file),
            args.org_id,
            args.op_id,
            reason=args.reason,
            operator=operator,
            keep=keep,
        )
    finally:
        engine.dispose()
        if embedded is not None:
            embedded.stop()
    for seq, op_id, _ in removed.ops:
        print(f"removed #{seq} op {op_id}")
    print(removed.report.summary())
    print(f"the removed ops' bytes are in {args.keep}; replicas pull past them on their next sync")
    return 0
