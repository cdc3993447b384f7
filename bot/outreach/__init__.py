"""Outreach: keeping each youth's planned contacts in the database and acting on them when due."""
