"""armstui.cloud: typed async calls over the official Alibaba Cloud SDKs.

``session`` (CloudSession, session_for), ``errors`` (CloudError + hints), ``calllog``
(CallLog), and one module per service: ``ram``, ``sts``, ``arms``, ``cs``, ``ecs``.
Importing this package imports no SDK; clients are built on first use.
"""
