"""Strategy files: the condition language, the loader and checker, and what the planner uses.

A strategy is data under version control. It is parsed by the project's own grammar into an
engine-neutral AST, checked against the contract, and compiled to Polars expressions here
(Spark later) so that segmentation and treatment run over all accounts at once.
"""

from arrears.strategy.check import check_strategy
from arrears.strategy.diagnostics import Diagnostic, StrategyError
from arrears.strategy.experiment import assign_arms
from arrears.strategy.load import load_strategy, load_strategy_text
from arrears.strategy.model import Arm, Bucket, Experiment, Segment, Step, Strategy
from arrears.strategy.parse import ConditionError, parse_condition
from arrears.strategy.plan_exprs import (
    bucket_expr,
    segment_expr,
    step_condition_exprs,
    steps_frame,
)

__all__ = [
    "Arm",
    "Bucket",
    "ConditionError",
    "Diagnostic",
    "Experiment",
    "Segment",
    "Step",
    "Strategy",
    "StrategyError",
    "assign_arms",
    "bucket_expr",
    "check_strategy",
    "load_strategy",
    "load_strategy_text",
    "parse_condition",
    "segment_expr",
    "step_condition_exprs",
    "steps_frame",
]
