"""What a browser would post for a form of a rendered page: tests submit a page as a person would, unchanged
or with a few fields typed, instead of hand-building the POST data."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._option_value: str | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            self.in_form = self.form_id is None or attrs.get("id") == self.form_id
            return
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
                return
            self.fields.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, ""
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select is not None:
            self._option_value = attrs.get("value")
            self._option_text = ""
            if "selected" in attrs:
                self._select_value = self._option_value if self._option_value is not None else ""
                self._option_selected = True
            else:
                self._option_selected = False

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea_text += data
        elif self._option_value is None and self._select is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self._textarea is not None:
            # The HTML parser keeps the newline right after <textarea>, which browsers drop.
            text = self._textarea_text[1:] if self._textarea_text.startswith("\n") else self._textarea_text
            self.fields.append((self._textarea, text.replace("\r\n", "\n")))
            self._textarea = None
        elif tag == "option" and self._select is not None:
            value = self._option_value if self._option_value is not None else self._option_text.strip()
            if self._first_option is None:
                self._first_option = value
            if getattr(self, "_option_selected", False):
                self._select_value = value
            self._option_value = None
        elif tag == "select" and self._select is not None:
            value = self._select_value if self._select_value is not None else self._first_option
            if value is not None:
                self.fields.append((self._select, unescape(value)))
            self._select = None


def form_values(html: str, form_id: str | None = None) -> dict[str, str | list[str]]:
    """The name → value(s) a browser posts for the form ``form_id`` (or every form) of ``html``: text inputs
    and textareas as rendered, checked boxes, each select's selected option (else its first)."""
    parser = _FormParser(form_id)
    parser.feed(html)
    values: dict[str, str | list[str]] = {}
    for name, value in parser.fields:
        if name in values:
            previous = values[name]
            values[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            values[name] = value
    return values
