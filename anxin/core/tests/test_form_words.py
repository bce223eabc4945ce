"""Forms speak the project's words: Django's own form messages read as the project's (one wording of
"required", no "确保该变量…"), and a select's empty choice says 请选择, never "---------"."""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.utils import translation
from django.utils.translation import gettext, ngettext

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[str, str]]:
    text = CATALOG.read_text(encoding="utf-8")
    singular = re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', text, re.M)
    plural = re.findall(r'^msgid "(.+)"\nmsgid_plural ".+"\nmsgstr\[0\] "(.+)"$', text, re.M)
    return singular + plural


def test_the_compiled_catalog_says_what_the_po_file_says() -> None:
    # django.mo is committed beside django.po: a change to one without the other fails here.
    entries = _entries()
    assert len(entries) >= 10
    with translation.override("zh-hans"):
        for msgid, msgstr in entries:
            got = gettext(msgid) if "%(show_value)d" not in msgid else ngettext(msgid, msgid, 1)
            assert got == msgstr, msgid


class _Form(forms.Form):
    name = forms.CharField(min_length=2, max_length=5)
    kind = forms.ChoiceField(choices=[("", "---------"), ("a", "甲")])
    day = forms.DateField()


def test_a_refused_form_says_it_in_the_projects_words() -> None:
    with translation.override("zh-hans"):
        empty = _Form({})
        assert empty.errors["name"] == ["此项为必填项。"]
        short = _Form({"name": "张", "kind": "x", "day": "昨天"})
        assert short.errors["name"] == ["至少要写 2 个字（现在是 1 个）。"]
        assert short.errors["kind"] == ["请从列表中选择一项。"]
        assert short.errors["day"] == ["请输入有效的日期，例如 2027-03-01。"]
        text = str(short.errors)
        assert "这个字段" not in text and "确保该变量" not in text


def test_a_selects_empty_choice_says_please_choose() -> None:
    with translation.override("zh-hans"):
        html = str(_Form()["kind"])
    assert "---------" not in html and ">请选择</option>" in html
