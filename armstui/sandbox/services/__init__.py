"""armstui.sandbox.services."""
