"""Notices by email: issuing a capital call or a distribution emails each LP in it.

- :mod:`~sync_server.notifications.outbox` queues one row per LP and address in the
  transaction that accepts the issue op;
- :mod:`~sync_server.notifications.letters` says what the email holds (never bank details);
- :mod:`~sync_server.notifications.sender` delivers over SMTP, at most once per row,
  retrying with backoff, as a task of the server's app;
- :mod:`~sync_server.notifications.deliveries` is what the GP reads of it;
- :mod:`~sync_server.notifications.invitations` queues and writes the email a person gets
  when invited (staff with a one-time sign-in code), through the same outbox and sender.
"""

__all__: list[str] = []
