"""The fund-management domain: roles and permissions, the deal lifecycle, entity kinds."""
