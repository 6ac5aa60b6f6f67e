"""Deal OS core: the domain, signed operations, reducers, storage and services.

Imports neither the desktop nor the sync server, nor Qt, nor aiohttp (DESIGN §2).
"""
