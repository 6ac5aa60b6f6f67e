"""Proving a store: replaying its op log through the reducers, every signature checked
(:mod:`~core.verification.replay`), and the device-signed audit chain
(:mod:`~core.verification.audit_trail`). Nothing here authors an op."""
