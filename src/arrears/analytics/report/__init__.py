"""The analytics report: one self-contained HTML file (`build_report`)."""

from arrears.analytics.report.build import analyse, build_report, render

__all__ = ["analyse", "build_report", "render"]
