"""The sync client: pushes this replica's outbox, pulls the server's ops, rebases."""
