"""Conversations as data, and the engine that runs them. Imports neither Telegram nor aiohttp.

- `flows.loader`: `load_flow`, `load_flows`, `shipped_flows`, `FlowLoadError`
- `flows.engine`: `start`, `advance`, `expire`, `current_question`, `Step`, intents
- `flows.events`: the normalized inbound events the service feeds in
- `flows.state`: `FlowState`, stored by the service as JSON
- `flows.callback`: the callback_data format (fits Telegram's 64 bytes)
- `flows.catalogue` / `flows.babel_extract`: the youth-facing texts for translators
"""
