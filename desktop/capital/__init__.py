"""Capital calls and distributions: the list, the call wizard, payments."""
