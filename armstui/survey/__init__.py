"""Read-only surveys of the cloud: what reports into the monitoring account now (``fleet``).
Nothing here changes anything in any account."""
