"""The Deal OS sync server: an aiohttp app over Postgres that orders, stores and serves
every organization's signed operations (DESIGN §2–§4, PROTOCOL.md).

Business rules are not here: every op goes through :func:`core.reducers.apply.apply_op`
on a :class:`~core.store.sql_projection.SqlProjection` over the server's connection. This
package adds what only a server has: sessions, devices enrolled over HTTP, the gapless
per-organization order, redacted views for external readers, and the guard rails of a
public endpoint.
"""

__all__: list[str] = []
