"""the investor portal reads one LP's rows: op log and payment lookups by key

Every portal page traces the LP's ledger rows to the ops that made them
(:mod:`core.reports.op_trail`): the ``*.create`` and ``*.issue`` ops of the LP's
commitments, the fund's calls and distributions, and the ``capital_call.payment`` op of
each of the LP's payments. Without an index the op log of a 100,000-op organization was
read whole for each of those questions. Now:

- ``ix_op_log_org_id_kind_entity_id`` on ``op_log (org_id, kind, entity_id)``: the ops of
  a kind on given entities (and of one kind, such as ``commitment.transfer``) by key;
- ``ix_op_log_payment_id``: a ``capital_call.payment`` op by the payment it records. The
  payment id is inside the signed envelope's payload, so the index is on
  ``dealos_op_payment_id(envelope)``, the bytes between ``"payment_id":"`` and the next
  quote. The envelope is RFC 8785 JSON, in which a quote inside a string is always
  escaped, so that text is the payload's key; it is found on bytes, without parsing
  JSON (a payload with ``\\u0000`` is valid JSON that ``jsonb`` refuses), so the index
  can never refuse an op the push accepted. The index covers payment ops only. Under
  row-level security Postgres probes an index with a function only if the function is
  ``LEAKPROOF`` (it can tell nothing of a row it is not shown: this one never fails and
  has no side effect), and only a superuser may say so: an owner that is not one (one
  with ``BYPASSRLS``) gets the index without the mark, and the portal then sifts the
  fund's payment ops for the LP's — the same answer, slower;
- ``ix_payments_lp_id`` on ``payments (org_id, lp_id)`` and ``ix_commitments_lp_id`` on
  ``commitments (org_id, lp_id)``: one LP's payments and commitments, not the fund's.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PAYMENT_ID = "dealos_op_payment_id(bytea)"
# '"payment_id":"' (14 bytes) and '"' as bytes: the envelope is bytea, searched byte for
# byte; no quote, no payment id.
CREATE_PAYMENT_ID = r"""
    CREATE FUNCTION dealos_op_payment_id(envelope bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT CASE WHEN at > 0 AND position('\x22'::bytea IN rest) > 0
            THEN substring(rest FROM 1 FOR position('\x22'::bytea IN rest) - 1)
        END
        FROM (
            SELECT at, substring(envelope FROM at + 14) AS rest
            FROM (
                SELECT position('\x227061796d656e745f6964223a22'::bytea IN envelope) AS at
            ) AS found
        ) AS after_key
    $$
"""


def upgrade() -> None:
    op.execute(CREATE_PAYMENT_ID)
    superuser = (
        op.get_bind()
        .exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        .scalar()
    )
    if superuser:
        op.execute(f"ALTER FUNCTION {PAYMENT_ID} LEAKPROOF")
    op.execute("CREATE INDEX ix_op_log_org_id_kind_entity_id ON op_log (org_id, kind, entity_id)")
    op.execute(
        "CREATE INDEX ix_op_log_payment_id ON op_log (org_id, dealos_op_payment_id(envelope)) "
        "WHERE kind = 'capital_call.payment'"
    )
    op.execute("CREATE INDEX ix_payments_lp_id ON payments (org_id, lp_id)")
    op.execute("CREATE INDEX ix_commitments_lp_id ON commitments (org_id, lp_id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_commitments_lp_id")
    op.execute("DROP INDEX ix_payments_lp_id")
    op.execute("DROP INDEX ix_op_log_payment_id")
    op.execute("DROP INDEX ix_op_log_org_id_kind_entity_id")
    op.execute(f"DROP FUNCTION {PAYMENT_ID}")
