"""Sandboxed execution of student code (bubblewrap); see ``runner`` for the contract and docs/labs.md."""

from learning.assessments.sandbox.runner import (
    Limits,
    RunReport,
    SandboxUnavailable,
    limits_from_payload,
    parse_quantity,
    run_python_lab,
    safe_relative_path,
    top_level_modules,
)

__all__ = [
    "Limits",
    "RunReport",
    "SandboxUnavailable",
    "limits_from_payload",
    "parse_quantity",
    "run_python_lab",
    "safe_relative_path",
    "top_level_modules",
]
