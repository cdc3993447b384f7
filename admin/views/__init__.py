"""One module per area of the panel; handlers are registered in `admin.app.ROUTES`."""
