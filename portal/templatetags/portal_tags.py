from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def css_string(value):
    """Quote text as a CSS string (page headers of PDF exports); safe inside a <style> element."""
    text = str(value)
    for char, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", " "), ("\r", " "), ("<", "\\3C "), (">", "\\3E "), ("&", "\\26 ")):
        text = text.replace(char, escaped)
    return mark_safe(f'"{text}"')


@register.filter
def minutes(duration):
    """A timedelta as whole minutes, rounded up (for 'try again in N minutes')."""
    try:
        return max(1, int(-(-duration.total_seconds() // 60)))
    except AttributeError:
        return duration
