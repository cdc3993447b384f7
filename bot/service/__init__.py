"""The running service: one process holding the web server, the Telegram receiver, the ticker
and the dispatcher."""
