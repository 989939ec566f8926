"""How form widgets are drawn: Django's widget templates in their Jinja2 version (settings.
FORM_RENDERER), with ours in zhili/web/jinja2 first.

A filter form's pick-lists hold hundreds of options (the units in reach, the categories), each a
template render: Django's template language spent a third of a workbench page's time on them, and
Jinja2 with Django's select.html still a fifth, on an include per option. Our select.html writes
the options in place. Widgets whose templates exist only for Django's template language (the
admin's related-object wrapper, say) are drawn by it, as Django's own renderer would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property

OURS = Path(__file__).resolve().parent / "jinja2"
DJANGOS = Path(django.forms.__file__).resolve().parent / "jinja2"


class FormRenderer(Jinja2):
    @cached_property
    def engine(self) -> Any:
        return self.backend({"APP_DIRS": True, "DIRS": [OURS, DJANGOS], "NAME": "djangoforms", "OPTIONS": {}})

    @cached_property
    def fallback(self) -> Any:
        return DjangoTemplates().engine

    def get_template(self, template_name: str) -> Any:
        try:
            return self.engine.get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
