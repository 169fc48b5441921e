"""The evaluation corpus is data: its tests/*.py and conftest.py files must never be collected."""

collect_ignore = ["corpus", "generate.py"]
