"""Storage: the database engine, sessions, and migrations. The one write path for the service."""
