"""URLconf of the page benchmark only (ROOT_URLCONF of portal.settings.bench): the portal's URLs plus a bare view.

The bare view is the baseline: the same middleware, session and login check as every page, a trivial
template (rendered with the same context processors), and on POST the same form parsing as a real form
followed by a redirect. Production's URLconf (meldpunt.urls) does not include it.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path

from .urls import urlpatterns as portal_urlpatterns


@login_required
def bare(request):
    if request.method == "POST":
        if not (request.POST or request.FILES):  # parses the multipart body, as a form view would
            return render(request, "bench/bare.html", status=400)
        return redirect("bench_bare")
    return render(request, "bench/bare.html")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *portal_urlpatterns]
