import os

IN_CI = bool(os.environ.get("CI"))
