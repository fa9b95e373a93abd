"""The protocol page: the board's protocol in force, and its adoption, which configures every app."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rules import has_perm

from portal.forms import ProtocolAdoptForm, add_service_errors
from portal.models import ProtocolProfile
from portal.permissions import perm_required
from portal.protocols import protocol_board_for

from .protocols import board_adopt_protocol


@login_required
@perm_required("portal.view_protocol", gettext_lazy("The protocol page is for the board and the administrator."))
def protocol_page(request):
    """The board's protocol in force; administrators adopt a (new version of a) protocol here."""
    board = protocol_board_for(user=request.user)
    can_adopt = has_perm("portal.adopt_protocol", request.user, board)
    form = ProtocolAdoptForm(request.POST or None) if can_adopt else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                board_adopt_protocol(board=board, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The protocol has been adopted. New cases run under it."))
                return redirect("protocol")
    return render(request, "portal/protocol.html", {
        "board": board, "form": form, "profiles": ProtocolProfile.objects.all(),
        "versions": board.protocol_versions.select_related("profile"),
    }, status=400 if form is not None and form.errors else 200)
