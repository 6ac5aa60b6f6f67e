"""A store replicated to an S3-compatible bucket comes back whole, document files too.

The bucket is a local S3-compatible server (moto's, on a socket); Litestream is the real
binary, speaking S3 to it over HTTP; the document files go by the same URL. The machine's
environment may set ``AWS_CA_BUNDLE`` (this one does): Litestream 0.5.17 cannot open an S3
replica with it set, so the product runs Litestream without it — the test sets it to prove
that.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import certifi
import pytest
from moto.server import ThreadedMotoServer
from replication_setup import crash, marias_laptop, new_deal, start_target, wait_until_replicated

from core.commands.workspace import Workspace
from core.keys import KEYRING_FILE_ENV
from core.operations.litestream import ReplicaTarget
from core.operations.replica_documents import documents_there
from core.operations.replication import replication_status, stop_replication

MEMO = b"%PDF-1.7 Riverside Commons offering memorandum"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def laptop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_endpoint: str
) -> Iterator[Workspace]:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    monkeypatch.setenv("LITESTREAM_ACCESS_KEY_ID", "harbor-laptop")
    monkeypatch.setenv("LITESTREAM_SECRET_ACCESS_KEY", "not-a-real-secret")
    monkeypatch.setenv("AWS_CA_BUNDLE", certifi.where())
    ws = marias_laptop(tmp_path / "laptop")
    yield ws
    ws.close()
    stop_replication(ws.store.data_dir)


def _bucket(endpoint: str, name: str) -> None:
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="harbor-laptop",
        aws_secret_access_key="not-a-real-secret",
    ).create_bucket(Bucket=name)


def _url(endpoint: str, bucket: str, path: str) -> str:
    return f"s3://{bucket}/{path}?endpoint={endpoint}&region=us-east-1&forcePathStyle=true"


def _dealos(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core.cli.main", *map(str, args)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_bucket_replica_restores_the_store_and_its_document_files(
    laptop: Workspace, s3_endpoint: str, tmp_path: Path
) -> None:
    _bucket(s3_endpoint, "harbor-backups")
    url = _url(s3_endpoint, "harbor-backups", "maria-laptop")
    blob = laptop.store.data_dir / "blobs" / "9f" / "9f86d081884c7d65"
    blob.parent.mkdir(parents=True)
    blob.write_bytes(MEMO)
    start_target(laptop.store.data_dir, url)
    deals = [new_deal(laptop, f"Bucket Deal {i}") for i in range(4)]
    wait_until_replicated(laptop.store.data_dir)
    target = ReplicaTarget.parse(url)
    deadline = time.monotonic() + 20
    while documents_there(target) != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    lines = "\n".join(replication_status(laptop.store.data_dir).lines())
    assert "up to date" in lines
    assert "documents:   1 files here, 1 copied" in lines
    digest = laptop.digest()
    crash(laptop.store.data_dir)

    done = _dealos("restore", "--from", url, "--to", tmp_path / "restored")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "document files      pass" in done.stdout
    assert "1 files, 46 bytes" in done.stdout
    restored = Workspace.open(tmp_path / "restored")
    try:
        assert restored.digest() == digest
    finally:
        restored.close()
    conn = sqlite3.connect(tmp_path / "restored" / "dealos.db")
    try:
        kept = {r[0] for r in conn.execute("SELECT entity_id FROM op_log")}
    finally:
        conn.close()
    assert set(deals) <= kept
    copied = tmp_path / "restored" / "blobs" / "9f" / "9f86d081884c7d65"
    assert copied.read_bytes() == MEMO


def test_a_missing_bucket_is_named_in_the_status_and_the_restore(
    laptop: Workspace, s3_endpoint: str, tmp_path: Path
) -> None:
    url = _url(s3_endpoint, "no-such-bucket", "maria-laptop")
    done = _dealos("restore", "--from", url, "--to", tmp_path / "restored")
    assert done.returncode == 1
    assert done.stderr.strip().endswith("there is no bucket 'no-such-bucket' at that address")
    # The document copy says the same, in the status of a laptop replicating there.
    start_target(laptop.store.data_dir, url)
    lines = "\n".join(replication_status(laptop.store.data_dir).lines())
    assert "there is no bucket 'no-such-bucket'" in lines, lines
    assert not (tmp_path / "restored" / "dealos.db").exists()
