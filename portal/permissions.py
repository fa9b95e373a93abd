"""Asking a rules permission, with a refusal that says why (a 403 page, or the API's 403)."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from rules import has_perm


def require_perm(perm, user, obj=None, message=None):
    if not has_perm(perm, user, obj):
        raise PermissionDenied(message)


def perm_required(perm, message=None):
    """A view for those who hold ``perm`` (a permission without an object); the others get a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_perm(perm, request.user, message=message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
