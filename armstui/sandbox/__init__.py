"""armstui.sandbox."""
