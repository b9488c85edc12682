"""Edits of the shipped taxonomy file, as an organisation would make them in a copy."""

from __future__ import annotations

import re

from keerpunt.registration.taxonomy import shipped_source


def _item(name: str, code: str) -> re.Pattern[str]:
    return re.compile(rf'\[\[{name}\]\]\ncode = "{code}"\nlabel = [^\n]*\n')


def _replace(source: str, name: str, code: str, new: str) -> str:
    edited, count = _item(name, code).subn(new, source)
    assert count == 1, f"{name}.{code} is not in the file"
    return edited


def with_version(version: int, source: str | None = None) -> str:
    source = source if source is not None else shipped_source()
    edited, count = re.subn(r"(?m)^version = \d+$", f"version = {version}", source)
    assert count == 1
    return edited


def drop(source: str, name: str, code: str) -> str:
    return _replace(source, name, code, "")


def move(source: str, name: str, code: str, to: str) -> str:
    found = _item(name, code).search(source)
    assert found is not None
    return drop(source, name, code) + found.group(0).replace(f"[[{name}]]", f"[[{to}]]")


def relabel(source: str, name: str, code: str, nl: str, en: str) -> str:
    return _replace(
        source, name, code, f'[[{name}]]\ncode = "{code}"\nlabel = {{ nl = "{nl}", en = "{en}" }}\n'
    )


def retire(source: str, name: str, code: str) -> str:
    found = _item(name, code).search(source)
    assert found is not None
    return _replace(source, name, code, found.group(0) + "retired = true\n")


def add(source: str, name: str, code: str, nl: str, en: str) -> str:
    return source + f'\n[[{name}]]\ncode = "{code}"\nlabel = {{ nl = "{nl}", en = "{en}" }}\n'
