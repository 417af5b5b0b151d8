"""armstui.flows."""
