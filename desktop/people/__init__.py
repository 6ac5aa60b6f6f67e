"""People: users and roles, what external users may see, and devices."""
