"""The Textual app. Never imports an SDK: cloud work goes through armstui.flows."""
