"""The world one seed of the sync simulation runs in: two organizations on the real server
(over Postgres, on a real socket), each with its people on devices of their own — real
core workspaces on real SQLite stores in their own folders, keys in a file keyring.

Harbor Point Capital has Maria (GP, admin), Priya (GP), Alex (GP analyst), Morgan (outside
counsel, entitled to one deal) and the officers of two LPs, Acme Pension and Bayview
Endowment, each entitled to its own position; a third LP, Cobalt Family Office, has no
officer, so both LP views have something to hide. Cobalt Ridge Partners, a second
organization on the same server, has Sam (GP, admin), Jo (GP analyst) and the officer of
Delta Trust. The staff author ops on enrolled devices; counsel and the LP officers read
server-signed redacted replicas, signed in by an emailed link. Each organization also has a
deal in underwriting, one step from IC, and each founder an old tablet enrolled that never
signs: the spare device an admin may revoke in a run.
"""

from __future__ import annotations

import email
import functools
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from live_server import LiveServer, create_org
from sqlalchemy import select

from core.commands.workspace import Workspace
from core.ids import new_id
from core.keys import FileKeyring, KeyStore
from core.ops.kinds import KINDS
from core.ops.signing import DeviceKey
from core.store.local import DB_FILENAME, LocalStore
from core.store.schema import entities
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine, SyncReport
from core.sync.errors import ServerUnavailable
from core.sync.messages import SessionGranted
from core.sync.replica import READER_META
from core.sync.status import SERVER_URL_META, session_secret_name
from sync_server.credentials import Passwords, set_password
from sync_server.database import owner_engine, set_org

__all__ = [
    "PASSWORD",
    "Device",
    "Org",
    "author",
    "build_world",
    "copy_world",
    "session_client",
    "sync_once",
]

PASSWORD = "simulated passphrase"
TERMS = {
    "style": "european",
    "preferred_return": "0.08",
    "compounding": "compound",
    "carried_interest": "0.20",
    "catch_up": "1",
    "gp_name": "the GP",
}


@dataclass
class Device:
    """One person's computer: the workspace open on it and what the simulation made there."""

    name: str
    org: Org
    folder: Path
    role: str  # gp | gp_analyst | counsel | lp
    user_id: str
    ws: Workspace
    reader: bool = False
    online: bool = True
    made: list[str] = field(default_factory=list)  # op ids signed here, in order
    snapshot: Path | None = None  # a copy of the store, as a backup holds it
    snapshot_step: int = 0
    restored: int = 0  # restores from a snapshot this device went through
    admin: bool = False
    # Ops the server refused that were only in the inbox of a store since restored over.
    lost_inbox: dict[str, str] = field(default_factory=dict)

    client: SyncClient | None = None  # kept between rounds

    def drop_client(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def close(self) -> None:
        """The app quits (or dies): its connections to the store and the server go."""
        self.drop_client()
        self.ws.close()

    @property
    def roles(self) -> frozenset[str]:
        return frozenset({self.role, "admin"} if self.admin else {self.role})

    @property
    def token(self) -> str:
        token = self.ws.keys.secret(session_secret_name(self.ws.device_id))
        assert token is not None, f"{self.name} holds no session"
        return token


@dataclass
class Org:
    name: str
    org_id: str
    devices: list[Device] = field(default_factory=list)
    fund_id: str = ""
    lps: dict[str, str] = field(default_factory=dict)  # LP name → lp id
    readers: dict[str, str] = field(default_factory=dict)  # device name → the LP or deal it reads
    counsel_deal: str = ""
    diligence_deal: str = ""  # a deal in underwriting at set-up: one step from IC
    counsel_grant: str = ""  # the entitlement that opens counsel_deal to counsel
    # Devices enrolled at set-up that never sign: the ones an admin may revoke in a run.
    spare_devices: list[str] = field(default_factory=list)

    def staff(self) -> list[Device]:
        return [d for d in self.devices if not d.reader]


def session_client(server: LiveServer, token: str | None = None) -> SyncClient:
    """A client as the desktop makes one for a round, failing at once when the server is
    down: one attempt, and a breaker of its own, so no wall clock decides a round."""
    return SyncClient(server.url, token=token, timeout=30.0, attempts=1)


def sync_once(server: LiveServer, device: Device) -> SyncReport:
    """One round of the real engine. Document files stay where they are: the documents
    made here are their metadata only, and moving files has its own tests
    (tests/sync_client/test_document_blobs.py).

    The device keeps its client between rounds, as the desktop's sync job does, until a
    round fails to reach the server: then the next round makes a new one, so a breaker
    never opens and no wall clock decides what a round does."""
    if device.client is None:
        device.client = session_client(server, device.token)
    try:
        return SyncEngine(device.ws, device.client, snapshots=False, files=False).run_once()
    except ServerUnavailable:
        device.drop_client()
        raise


def _version(ws: Workspace, entity_id: str) -> int | None:
    with ws.store.transaction() as conn:
        found = conn.execute(
            select(entities.c.version).where(entities.c.entity_id == entity_id)
        ).scalar()
    return None if found is None else int(found)


def author(device: Device, kind: str, payload: dict[str, Any], entity: str | None = None) -> str:
    """Sign one op on ``device`` as the desktop does; the entity's id."""
    entity = entity or new_id()
    version = None if KINDS[kind].concurrency == "create" else _version(device.ws, entity)
    done = device.ws.submit_wire(kind, entity_id=entity, payload=payload, base_version=version)
    device.made.append(done.op_id)
    return entity


def _mailed_token(server: LiveServer, to: str) -> str:
    folder = server.settings.mail_drop_dir
    assert folder is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
            message = email.message_from_bytes(path.read_bytes())
            if message["To"] != to:
                continue
            body = message.get_payload(decode=True)
            found = re.search(r"#token=([A-Za-z0-9_-]+)", body.decode() if body else "")
            if found:
                path.unlink()
                return found.group(1)
        time.sleep(0.02)
    raise AssertionError(f"no sign-in link was mailed to {to}")


@functools.cache
def _blank_store() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="dealos-simulation-"))
    LocalStore.open(folder, create=True).close()
    return folder / DB_FILENAME


class _Builder:
    def __init__(self, server: LiveServer, root: Path, keys: KeyStore) -> None:
        self.server = server
        self.root = root
        self.keys = keys
        self.tag = new_id()[-10:]
        self.passwords = Passwords(server.settings.password_cost)

    def address(self, who: str, domain: str) -> str:
        return f"{who}+{self.tag}@{domain}"

    def store(self, name: str) -> Path:
        """A device's folder holding a new, empty store: a copy of one migrated once per
        process (running the migrations costs a tenth of a second a store)."""
        folder = self.root / re.sub(r"\W+", "-", name.lower()).strip("-")
        folder.mkdir(parents=True)
        shutil.copyfile(_blank_store(), folder / DB_FILENAME)
        return folder

    def replica(
        self, folder: Path, session: SessionGranted, key: DeviceKey, device: str
    ) -> Workspace:
        """What ``Workspace.join`` makes, on the copied store."""
        store = LocalStore.open(folder)
        self.keys.save_device_key(device, key)
        with store.transaction() as conn:
            for meta, value in (
                ("org_id", session.org_id),
                ("device_id", device),
                ("user_id", session.user_id),
                ("device_seq", "0"),
                (SERVER_URL_META, self.server.url),
            ):
                store.set_meta(conn, meta, value)
        self.keys.save_secret(session_secret_name(device), session.session_token)
        return Workspace(
            store, self.keys, org_id=session.org_id, device_id=device, user_id=session.user_id
        )

    def enroll(self, org: Org, name: str, role: str, address: str) -> Device:
        """Sign in, register a new device key, bring the organization here (``dealos
        enroll``)."""
        folder = self.store(name)
        client = session_client(self.server)
        try:
            session = client.login(address, PASSWORD)
            key = DeviceKey.generate()
            device_id = client.register_device(
                key, name, org_id=session.org_id, user_id=session.user_id
            )
        finally:
            client.close()
        ws = self.replica(folder, session, key, device_id)
        device = Device(name, org, folder, role, ws.user_id, ws)
        sync_once(self.server, device)
        org.devices.append(device)
        return device

    def reader(self, org: Org, name: str, role: str, address: str, user_id: str) -> Device:
        """An external reader's replica, signed in by the link mailed to ``address``."""
        folder = self.store(name)
        client = session_client(self.server)
        try:
            client.request_magic_link(address)
            session = client.consume_magic_link(_mailed_token(self.server, address))
        finally:
            client.close()
        # A local-only device, never registered: nothing it signs is accepted anywhere.
        ws = self.replica(folder, session, DeviceKey.generate(), new_id())
        with ws.store.transaction() as conn:
            ws.store.set_meta(conn, READER_META, ",".join(session.roles))
        device = Device(name, org, folder, role, user_id, ws, reader=True)
        sync_once(self.server, device)
        org.devices.append(device)
        return device

    def give_password(self, org: Org, user_id: str) -> None:
        engine = owner_engine(self.server.settings.database_url)
        try:
            with engine.begin() as conn:
                set_org(conn, org.org_id)
                set_password(conn, org.org_id, user_id, self.passwords.hash(PASSWORD))
        finally:
            engine.dispose()

    def invite(self, gp: Device, address: str, name: str, role: str) -> str:
        payload = {"email": address, "display_name": name, "roles": [role]}
        return author(gp, "user.invite", payload)

    def org(
        self,
        name: str,
        domain: str,
        founder: str,
        staff: list[tuple[str, str]],
        lps: list[tuple[str, str | None]],
        counsel: str | None,
    ) -> Org:
        """``name`` with its founder's device, ``staff`` (name, role) enrolled, the LPs
        committed to one fund (those with an officer's name get a replica), and counsel
        entitled to one deal."""
        maria = self.address(founder.split()[0].lower(), domain)
        org_id = create_org(self.server.settings, name=name, email=maria, password=PASSWORD)
        org = Org(name, org_id)
        gp = self.enroll(org, f"{founder}'s laptop", "gp", maria)
        gp.admin = True
        org.fund_id = author(gp, "fund.create", {"name": f"{name} Fund I", "currency": "USD"})
        author(gp, "fund.terms.set", TERMS, org.fund_id)
        officers: list[tuple[str, str, str, str]] = []  # device name, address, user, LP id
        for lp_name, officer in lps:
            contact = self.address(lp_name.split()[0].lower(), "investor.example")
            lp = author(
                gp,
                "lp.create",
                {
                    "name": lp_name,
                    "lp_type": "institution",
                    "contacts": [
                        {"contact_id": new_id(), "name": officer or "IR", "email": contact}
                    ],
                },
            )
            org.lps[lp_name] = lp
            commitment = {
                "fund_id": org.fund_id,
                "lp_id": lp,
                "amount": "1000000.00",
                "currency": "USD",
                "committed_on": "2026-01-15",
            }
            author(gp, "commitment.create", commitment)
            if officer:
                user = self.invite(gp, contact, officer, "lp")
                grant = {"user_id": user, "scope_type": "lp", "scope_id": lp}
                author(gp, "entitlement.grant", grant)
                officers.append((f"{officer} ({lp_name})", contact, user, lp))
        enrolled: list[tuple[str, str, str]] = []
        for person, role in staff:
            address = self.address(person.split()[0].lower(), domain)
            enrolled.append((person, address, self.invite(gp, address, person, role)))
        # A deal already in underwriting, so a seed's fifty steps see IC votes (a deal made
        # in a run takes three steps to reach IC review).
        org.diligence_deal = author(gp, "deal.create", {"name": "Harbor Loop", "currency": "USD"})
        for stage in ("screening", "underwriting"):
            author(gp, "deal.transition", {"to": stage}, org.diligence_deal)
        if counsel:
            org.counsel_deal = author(gp, "deal.create", {"name": "Mill St", "currency": "USD"})
            address = self.address("counsel", "law.example")
            user = self.invite(gp, address, counsel, "counsel")
            grant = {"user_id": user, "scope_type": "deal", "scope_id": org.counsel_deal}
            org.counsel_grant = author(gp, "entitlement.grant", grant)
            officers.append((f"{counsel} (counsel)", address, user, org.counsel_deal))
        report = sync_once(self.server, gp)
        assert report.rejected == 0, report.summary()
        for (person, address, user), (_, role) in zip(enrolled, staff, strict=True):
            self.give_password(org, user)
            self.enroll(org, f"{person}'s laptop", role, address)
        for device_name, address, user, scope in officers:
            role = "counsel" if device_name.endswith("(counsel)") else "lp"
            self.reader(org, device_name, role, address, user)
            org.readers[device_name] = scope
        org.spare_devices.append(self.spare(f"{founder}'s old tablet", maria))
        sync_once(self.server, gp)
        return org

    def spare(self, name: str, address: str) -> str:
        """A second device of the founder's, enrolled and put away: it never signs, so
        revoking it ends no device's part in the run."""
        client = session_client(self.server)
        try:
            session = client.login(address, PASSWORD)
            key = DeviceKey.generate()
            return client.register_device(key, name, org_id=session.org_id, user_id=session.user_id)
        finally:
            client.close()


def build_world(server: LiveServer, root: Path) -> list[Org]:
    """The two organizations, every device synced once; the workspaces are closed."""
    keys = KeyStore(FileKeyring(root / "keyring.json"))
    build = _Builder(server, root, keys)
    harbor = build.org(
        "Harbor Point Capital",
        "harborpoint.example",
        "Maria Founder",
        [("Priya Shah", "gp"), ("Alex Chen", "gp_analyst")],
        [
            ("Acme Pension", "Ann Officer"),
            ("Bayview Endowment", "Ben Officer"),
            ("Cobalt Family Office", None),
        ],
        counsel="Morgan Lee",
    )
    cobalt = build.org(
        "Cobalt Ridge Partners",
        "cobaltridge.example",
        "Sam Partner",
        [("Jo Analyst", "gp_analyst")],
        [("Delta Trust", "Dee Officer"), ("Echo Partners", None)],
        counsel=None,
    )
    for org in (harbor, cobalt):
        for device in org.devices:
            device.close()
    return [harbor, cobalt]


def copy_world(orgs: list[Org], source: Path, target: Path) -> list[Org]:
    """The organizations' devices as copied from ``source`` (where :func:`build_world`
    made them, all closed) to ``target``, each workspace open again on its copy."""
    shutil.copytree(source, target)
    keys = KeyStore(FileKeyring(target / "keyring.json"))
    copies = []
    for org in orgs:
        twin = Org(org.name, org.org_id, [], org.fund_id, dict(org.lps), dict(org.readers))
        twin.counsel_deal, twin.counsel_grant = org.counsel_deal, org.counsel_grant
        twin.diligence_deal = org.diligence_deal
        twin.spare_devices = list(org.spare_devices)
        for d in org.devices:
            folder = target / d.folder.relative_to(source)
            ws = Workspace.open(folder, keys=keys)
            twin.devices.append(
                Device(d.name, twin, folder, d.role, d.user_id, ws, reader=d.reader, admin=d.admin)
            )
        copies.append(twin)
    return copies
