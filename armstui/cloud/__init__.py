"""armstui.cloud."""
