"""Scripts and messages (话术): a library of versioned, approved templates and their rendering.

`Library.load(folder)` reads `<folder>/<language>/<id>.j2` files (front matter + Jinja body);
`render(template, context)` renders one in Jinja2's immutable sandbox with strict variables
and reports SMS encoding and segments; `arrears.templates.resolve` gives every planned
contact its approved template (docs/templates.md).
"""

from arrears.templates.library import (
    ApprovalError,
    Library,
    Pick,
    Stage,
    Template,
    TemplateError,
    load_template,
    parse_template,
)
from arrears.templates.render import (
    FILTERS,
    VARIABLES,
    Rendered,
    RenderError,
    account_context,
    check_body,
    day,
    money,
    render,
)
from arrears.templates.sms import SmsInfo, sms_info

__all__ = [
    "FILTERS",
    "VARIABLES",
    "ApprovalError",
    "Library",
    "Pick",
    "RenderError",
    "Rendered",
    "SmsInfo",
    "Stage",
    "Template",
    "TemplateError",
    "account_context",
    "check_body",
    "day",
    "load_template",
    "money",
    "parse_template",
    "render",
    "sms_info",
]
