"""Authentication and request hardening for the panel (OWASP ASVS level 2)."""
