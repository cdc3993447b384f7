"""Conversations as data, and the engine that runs them. Imports neither Telegram nor aiohttp."""
