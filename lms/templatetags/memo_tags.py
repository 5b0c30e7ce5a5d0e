"""``{% url %}`` and ``{% static %}`` with a bounded memo, installed as template builtins (settings.TEMPLATES).

A template that writes ``{% load static %}`` gets Django's own ``static`` again (same output, no memo):
base.html, on every page, leaves it out. ``{% url %}`` is never loaded by name, so every template has this one.

Django's ``reverse()`` walks the resolver's candidate patterns and checks every argument against its
converter on each call: ~15 µs, and a list page runs it per row (My learning ~30 times, every page's
navigation ~8). A reversed URL depends only on the view name, the arguments, the URL configuration, the
script prefix and the current namespace, so this tag remembers the result under exactly that key. Only ``str``
(or ``SafeString``) and ``int`` arguments are memoised (a model instance's ``str()`` may change; anything else reverses as
before); a failed reverse is never memoised and behaves as Django's tag (raises, or sets '' with ``as``).

``{% static %}`` asks the static files storage for a file's URL; the manifest storage reads its manifest once per
process, so a path's URL (with the script prefix) is fixed for the process's life (~20 µs each, 6 on every page). A missing file is
never memoised (the manifest storage raises, as before).
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.templatetags.static import StaticNode
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()


def _plain(value) -> bool:
    """A str (or SafeString: equal and hashed alike) or an int (not a bool)."""
    return isinstance(value, str) or type(value) is int


@lru_cache(maxsize=8192)
def _reverse(view_name, args, kwargs, current_app, urlconf, prefix):  # noqa: ARG001 - urlconf, prefix: the key
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


@lru_cache(maxsize=1024)
def _static(path: str, prefix: str) -> str:  # noqa: ARG001 - prefix: the key (a relative STATIC_URL follows it)
    return StaticNode.handle_simple(path)


def _clear(**kwargs):
    """A changed setting (tests: ROOT_URLCONF, STORAGES, STATIC_URL, DEBUG…) may change any URL."""
    _reverse.cache_clear()
    _static.cache_clear()


setting_changed.connect(_clear)


def cached_reverse(view_name, *, args=(), kwargs=None, current_app=None) -> str:
    """``reverse()``, memoised when every argument is a plain str or int (see the module's docstring)."""
    kwargs = kwargs or {}
    if isinstance(view_name, str) and all(map(_plain, args)) and all(map(_plain, kwargs.values())):
        return _reverse(
            view_name,
            tuple(args),
            tuple(sorted(kwargs.items())),
            current_app,
            get_urlconf() or settings.ROOT_URLCONF,
            get_script_prefix(),
        )
    return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)


class CachedURLNode(URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = cached_reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser, token):
    """Django's ``{% url %}`` (same syntax, same output), reversing through ``cached_reverse``."""
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


class CachedStaticNode(StaticNode):
    def url(self, context):
        path = self.path.resolve(context)
        return _static(path, get_script_prefix()) if isinstance(path, str) else self.handle_simple(path)


@register.tag
def static(parser, token):
    """Django's ``{% static %}`` (same syntax, same output), memoised by path."""
    return CachedStaticNode.handle_token(parser, token)
