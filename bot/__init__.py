"""In Beeld: the service (channels, scheduling, signals, alerts, storage)."""
