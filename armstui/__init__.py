"""armstui: set up Alibaba Cloud ARMS cross-account monitoring, step by step."""

__version__ = "0.1.0"
