"""Submit what the page renders, as a browser would.

``submit(client, url, {...})`` GETs the page, finds its form, collects what a browser would send
(rendered inputs with their values, checked boxes and radios, selected options, textareas, the
pressed submit button) and posts that, overlaid with only what the test "types". Typing into a
field the page does not render fails the test, and so does a field the template forgot: the form
view then sees the data a real browser sends, not a hand-made dict.

    response = submit(client, reverse("clients:create"), {"client-family_name": "佐藤"}, button="登録する")

Values: a string types into a text input, textarea or picks an option of a select (by value or by
its visible label); ``True``/``False`` ticks or unticks a checkbox; a list sets several values of a
multi-valued field (several checkboxes of one name, a multiple select); a file object or
``SimpleUploadedFile`` goes into a file input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

TEXT_TYPES = {
    "text",
    "hidden",
    "email",
    "number",
    "date",
    "datetime-local",
    "month",
    "time",
    "tel",
    "url",
    "password",
    "search",
    "week",
    "color",
    "range",
    "",
}


@dataclass
class Control:
    tag: str
    name: str
    type: str = ""
    value: str = ""
    checked: bool = False
    disabled: bool = False
    options: list = field(default_factory=list)  # select: [(value, label, selected)]
    multiple: bool = False
    text: str = ""  # button label / textarea content
    attrs: dict = field(default_factory=dict)


@dataclass
class Form:
    attrs: dict
    controls: list = field(default_factory=list)
    buttons: list = field(default_factory=list)  # submit buttons (Control)

    @property
    def id(self):
        return self.attrs.get("id", "")

    def names(self) -> set:
        return {c.name for c in self.controls if c.name}


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._by_id: dict[str, Form] = {}
        self._current: Form | None = None
        self._pending: list[tuple[str, Control]] = []  # controls with form="id" outside their form
        self._select: Control | None = None
        self._option: list | None = None
        self._textarea: Control | None = None
        self._button: Control | None = None
        self._template_depth = 0  # a <template>'s content is not part of the page's forms

    def _owner(self, attrs) -> Form | None:
        if attrs.get("form"):
            return self._by_id.get(attrs["form"]) or ("pending", attrs["form"])  # type: ignore[return-value]
        return self._current

    def _add(self, attrs, control: Control, *, button=False):
        owner = self._owner(attrs)
        if isinstance(owner, tuple):
            self._pending.append((owner[1], control, button))
            return
        if owner is None:
            return
        (owner.buttons if button else owner.controls).append(control)

    def handle_starttag(self, tag, attrs_list):
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "template":
            self._template_depth += 1
            return
        if self._template_depth:
            return
        if tag == "form":
            self._current = Form(attrs)
            self.forms.append(self._current)
            if attrs.get("id"):
                self._by_id[attrs["id"]] = self._current
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            control = Control(
                "input",
                attrs.get("name", ""),
                kind,
                attrs.get("value", ""),
                checked="checked" in attrs,
                disabled="disabled" in attrs,
                attrs=attrs,
            )
            if kind in ("submit", "image"):
                control.text = attrs.get("value", "")
                self._add(attrs, control, button=True)
            elif kind in ("button", "reset"):
                return
            else:
                if kind in ("checkbox", "radio") and "value" not in attrs:
                    control.value = "on"
                self._add(attrs, control)
        elif tag == "select":
            self._select = Control(
                "select",
                attrs.get("name", ""),
                "select",
                disabled="disabled" in attrs,
                multiple="multiple" in attrs,
                attrs=attrs,
            )
            self._add(attrs, self._select)
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), "", "selected" in attrs, "disabled" in attrs]
            self._select.options.append(self._option)
        elif tag == "textarea":
            self._textarea = Control(
                "textarea", attrs.get("name", ""), "textarea", disabled="disabled" in attrs, attrs=attrs
            )
            self._add(attrs, self._textarea)
        elif tag == "button":
            kind = attrs.get("type", "submit").lower()
            self._button = Control(
                "button", attrs.get("name", ""), kind, attrs.get("value", ""), disabled="disabled" in attrs, attrs=attrs
            )
            if kind == "submit":
                self._add(attrs, self._button, button=True)

    def handle_endtag(self, tag):
        if tag == "template":
            self._template_depth = max(self._template_depth - 1, 0)
            return
        if self._template_depth:
            return
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "button":
            self._button = None

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        elif self._textarea is not None:
            self._textarea.text += data
        elif self._button is not None:
            self._button.text += data

    def close(self):
        super().close()
        for form_id, control, button in self._pending:
            form = self._by_id.get(form_id)
            if form is not None:
                (form.buttons if button else form.controls).append(control)
        for form in self.forms:
            for control in form.controls:
                if control.tag == "select":
                    control.options = [
                        (v if v is not None else label.strip(), label.strip(), sel, dis)
                        for v, label, sel, dis in control.options
                    ]
                if control.tag == "textarea" and control.text.startswith("\n"):
                    control.text = control.text[1:]  # the HTML parser keeps the newline browsers drop


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def _label(button: Control) -> str:
    return " ".join(button.text.split())


def find_form(forms: list[Form], *, form: str | None = None, button: str | None = None, fields=()) -> Form:
    """The form with id ``form``, else the one holding the ``button``, else the only POST form naming ``fields``."""
    if form is not None:
        for f in forms:
            if f.id == form or f.attrs.get("action") == form:
                return f
        raise AssertionError(f"no form {form!r} on the page (forms: {[f.id or f.attrs.get('action') for f in forms]})")
    candidates = [f for f in forms if f.attrs.get("method", "get").lower() == "post" or f.attrs.get("hx-post")]
    if button is not None:  # a named button may also press a GET form (search, 「送信内容を確認」)
        candidates = [f for f in forms if any(button in (_label(b), b.name, b.value) for b in f.buttons)]
        if not candidates:
            labels = [[_label(b) or b.name for b in f.buttons] for f in forms]
            raise AssertionError(f"no form with a button {button!r} on the page (buttons: {labels})")
    wanted = {name for name in fields}
    if wanted:
        named = [f for f in candidates if wanted <= f.names()]
        if named:
            candidates = named
    if len(candidates) != 1:
        raise AssertionError(f"{len(candidates)} forms match; name one with form= or button=")
    return candidates[0]


def form_data(form_obj: Form, values: dict | None = None, *, button: str | None = None) -> dict:
    """What a browser sends for ``form_obj`` after the user typed ``values`` and pressed ``button``."""
    values = dict(values or {})
    data: dict[str, list] = {}
    names = form_obj.names()
    unknown = [name for name in values if name not in names]
    if unknown:
        raise AssertionError(f"the page renders no field named {unknown} (fields: {sorted(names)})")
    for control in form_obj.controls:
        if not control.name or control.disabled:
            continue
        name = control.name
        typed = values.get(name, _UNSET)
        if control.tag == "input" and control.type in ("checkbox", "radio"):
            if typed is _UNSET:
                on = control.checked
            elif isinstance(typed, bool):
                on = typed
                if control.type == "radio":
                    raise AssertionError(f"pick a radio button of {name!r} by its value, not True/False")
            elif isinstance(typed, (list, tuple, set)):
                on = control.value in {str(v) for v in typed}
            else:
                on = control.value == str(typed)
            if on:
                data.setdefault(name, []).append(control.value)
            else:
                data.setdefault(name, [])
        elif control.tag == "input" and control.type == "file":
            if typed is not _UNSET:
                data.setdefault(name, []).append(typed)
        elif control.tag == "select":
            options = [o for o in control.options if not o[3]]
            if typed is _UNSET:
                chosen = [o[0] for o in options if o[2]]
                if not chosen and not control.multiple and options:
                    chosen = [options[0][0]]
            else:
                wanted = typed if isinstance(typed, (list, tuple)) else [typed]
                chosen = []
                for want in wanted:
                    match = [o[0] for o in options if o[0] == str(want)] or [o[0] for o in options if o[1] == str(want)]
                    if not match:
                        raise AssertionError(
                            f"{name!r} offers no option {want!r} (options: {[(o[0], o[1]) for o in options]})"
                        )
                    chosen.append(match[0])
            data.setdefault(name, []).extend(chosen)
        elif control.tag == "textarea":
            data.setdefault(name, []).append(control.text if typed is _UNSET else str(typed))
        else:
            if control.type not in TEXT_TYPES:
                continue
            if isinstance(typed, bool):
                raise AssertionError(f"{name!r} is a {control.type or 'text'} input; type a value into it")
            if typed is _UNSET:
                data.setdefault(name, []).append(control.value)
            else:
                # Several inputs of one name (rows): a list fills them in order, a string fills the first.
                seen = sum(
                    1
                    for c in form_obj.controls
                    if c.name == name
                    and c is not control
                    and form_obj.controls.index(c) < form_obj.controls.index(control)
                )
                if isinstance(typed, (list, tuple)):
                    data.setdefault(name, []).append(str(typed[seen]) if seen < len(typed) else control.value)
                else:
                    data.setdefault(name, []).append(str(typed) if seen == 0 else control.value)
    pressed = None
    if button is not None:
        matches = [b for b in form_obj.buttons if button in (_label(b), b.name, b.value) and not b.disabled]
        if not matches:
            disabled = [b for b in form_obj.buttons if button in (_label(b), b.name, b.value)]
            if disabled:
                raise AssertionError(f"the button {button!r} is disabled on the page")
            raise AssertionError(f"no button {button!r} in the form (buttons: {[_label(b) for b in form_obj.buttons]})")
        pressed = matches[0]
    elif form_obj.buttons:
        enabled = [b for b in form_obj.buttons if not b.disabled]
        if not enabled:
            raise AssertionError("every submit button of the form is disabled on the page")
        pressed = enabled[0]  # Enter in a field presses the form's first submit button
    if pressed is not None and pressed.name:
        data.setdefault(pressed.name, []).append(pressed.value)
    return {k: (v[0] if len(v) == 1 else v) for k, v in data.items() if v}


class _Unset:
    pass


_UNSET = _Unset()


@dataclass
class RenderedForm:
    """A form read from a page, ready to post as a browser would."""

    url: str
    form: Form

    @property
    def action(self) -> str:
        return urljoin(self.url, self.form.attrs.get("action") or self.form.attrs.get("hx-post") or self.url)

    def data(self, values: dict | None = None, *, button: str | None = None) -> dict:
        return form_data(self.form, values, button=button)

    def value(self, name: str):
        """The value the page pre-fills for ``name`` (the selected option, the checked box…)."""
        return form_data(self.form).get(name)

    def options(self, name: str) -> list[tuple[str, str]]:
        for control in self.form.controls:
            if control.name == name and control.tag == "select":
                return [(o[0], o[1]) for o in control.options]
        raise AssertionError(f"no select named {name!r}")


def read_form(
    client, url: str, *, form: str | None = None, button: str | None = None, fields=(), response=None
) -> RenderedForm:
    """GET ``url`` (or use ``response``) and return the chosen form."""
    if response is None:
        response = client.get(url)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    html = response.content.decode()
    return RenderedForm(url, find_form(parse_forms(html), form=form, button=button, fields=fields))


def submit(
    client,
    url: str,
    values: dict | None = None,
    *,
    button: str | None = None,
    form: str | None = None,
    response=None,
    follow: bool = False,
    **extra,
):
    """GET the page at ``url``, fill in ``values``, press ``button`` and return the response to the POST."""
    rendered = read_form(client, url, form=form, button=button, fields=tuple(values or ()), response=response)
    action = rendered.action
    method = (rendered.form.attrs.get("method") or ("post" if rendered.form.attrs.get("hx-post") else "get")).lower()
    pressed_action = None
    if button is not None:
        for b in rendered.form.buttons:
            if button in (_label(b), b.name, b.value) and b.attrs.get("formaction"):
                pressed_action = urljoin(url, b.attrs["formaction"])
    target = pressed_action or action
    data = rendered.data(values, button=button)
    path = urlsplit(target)
    target = path.path + (f"?{path.query}" if path.query else "")
    if method == "get":
        return client.get(target, data, follow=follow, **extra)
    return client.post(target, data, follow=follow, **extra)


def page_url(response) -> str:
    """The path and query string a test-client response was requested with (to submit its forms next)."""
    request = response.wsgi_request
    query = request.META.get("QUERY_STRING", "")
    return request.path + (f"?{query}" if query else "")
