"""The error summary: `{% error_problems form formset … as problems %}` lists every
problem of the forms and formsets given (`summary_problems`: of the context's `forms`, else
its `form`); `{% error_summary form formset … %}` renders _error_summary.html for them."""

from django import template

from kindred.core.forms import error_problems as _error_problems

register = template.Library()


@register.simple_tag
def error_problems(*things):
    return _error_problems(*things)


@register.simple_tag(takes_context=True)
def summary_problems(context):
    """The problems of the context's `forms` (a form, a formset or a list), else `form`."""
    forms = context.get("forms")
    return _error_problems(forms if forms is not None else context.get("form"))


@register.inclusion_tag("_error_summary.html")
def error_summary(*things):
    return {"forms": list(things)}
