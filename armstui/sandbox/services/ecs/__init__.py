"""ECS 2014-05-26 (instances and Cloud Assistant)."""
