"""The admin web panel (aiohttp): an adapter around the domain in `bot`."""
