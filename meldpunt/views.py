"""The protocol page: the board's protocol in force, and its adoption, which configures every app."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.access import access_for
from portal.forms import ProtocolAdoptForm
from portal.models import Board, ProtocolProfile, Role

from .protocols import board_adopt_protocol


@login_required
def protocol_page(request):
    """The board's protocol in force; administrators adopt a (new version of a) protocol here."""
    access = access_for(request.user)
    boards = Board.objects.filter(pk__in=access.board_ids[Role.ADMIN] | access.board_ids[Role.BOARD]).select_related(
        "protocol__profile"
    )
    if not boards:
        raise PermissionDenied(_("The protocol page is for the board and the administrator."))
    board = boards.first()
    can_adopt = board.pk in access.board_ids[Role.ADMIN]
    form = ProtocolAdoptForm(request.POST or None) if can_adopt else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            board_adopt_protocol(board=board, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The protocol has been adopted. New cases run under it."))
            return redirect("protocol")
    return render(request, "portal/protocol.html", {
        "board": board, "form": form, "profiles": ProtocolProfile.objects.all(),
        "versions": board.protocol_versions.select_related("profile"),
    }, status=400 if form is not None and form.errors else 200)
