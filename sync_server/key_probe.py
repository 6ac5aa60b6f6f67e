"""Many rows by key in one query: one index probe per value, whatever the organization's
size (the read-side sibling of :mod:`sync_server.bulk_insert`)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["key_probe_sql"]


def key_probe_sql(table: str, columns: Iterable[str], key: str) -> str:
    """The rows of ``table`` whose ``key`` is one of an array (the first parameter) in an
    organization (the second), found by one index probe per value.

    ``key = ANY(array)`` had the planner read all of an organization's rows whenever the
    organization was not the whole table, or was believed small (statistics taken before
    a large push; table_statistics.py): per push, time that grew with the organization.
    ``OFFSET 0`` keeps the subquery from being flattened into a join the planner may hash.
    Prepared like any other statement: one nested loop over the array suits every array
    length, and each ANALYZE has Postgres plan it afresh. (Planned per call instead, a push
    of one op took 0.4–0.6 ms longer.)
    """
    return (
        "SELECT found.* FROM unnest(%b::text[]) AS wanted(v) CROSS JOIN LATERAL "  # noqa: S608
        f'(SELECT {", ".join(columns)} FROM "{table}" '
        f'WHERE org_id = %s AND "{key}" = wanted.v OFFSET 0) AS found'
    )
