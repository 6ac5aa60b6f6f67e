"""One deal: its fields with provenance, documents, approvals and history."""
