"""What the Spark tests need (tests/spark/), checked before a test module imports PySpark.

Under CI a missing PySpark or Java fails (CI must run the Spark tests); elsewhere they skip.
"""

from __future__ import annotations

import os
import shutil

import pytest


def missing() -> list[str]:
    out = []
    try:
        import pyspark  # noqa: F401
    except ImportError:
        out.append("the pyspark package (pip install -e '.[spark]')")
    java_home = os.environ.get("JAVA_HOME")
    if not (shutil.which("java") or (java_home and os.path.exists(f"{java_home}/bin/java"))):
        out.append("Java 17 (apt-get install openjdk-17-jre-headless)")
    return out


def require_spark() -> None:
    """Skip (or, under CI, fail) the calling test module when Spark cannot run here."""
    lacking = missing()
    if lacking:
        reason = "Spark test needs " + " and ".join(lacking)
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set: the Spark tests may not be skipped)", pytrace=False)
        pytest.skip(reason, allow_module_level=True)
