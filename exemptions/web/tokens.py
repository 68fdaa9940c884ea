"""The "API tokens" page: a person's tokens (name, created, expiry, last use), a new named token, and
revoking any one of them. Signing in through the API (POST /api/v1/auth/token/) makes tokens too."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers

from exemptions import tokens


class NewTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Where the token is used, e.g. “CI exporter” or “laptop”.")


@login_required
def api_tokens(request):
    form = NewTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = tokens.issue(request.user, form.cleaned_data["name"])
        form = NewTokenForm()
    response = render(
        request,
        "exemptions/api_tokens.html",
        {"form": form, "tokens": tokens.tokens_of(request.user), "secret": secret},
    )
    add_never_cache_headers(response)  # the new secret is on this page once and nowhere else
    return response


@login_required
def api_token_revoke(request, token_key):
    if request.method != "POST":  # a reload or a bookmark: the list, not a blank 405
        return redirect("api_tokens")
    if tokens.revoke(request.user, token_key):
        messages.success(request, "The token is revoked: calls made with it are refused from now on.")
    else:
        messages.error(request, "No such token: it may have expired or been revoked already.")
    return redirect("api_tokens")
