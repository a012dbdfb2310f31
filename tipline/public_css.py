"""The public pages' stylesheet: Bootstrap trimmed to the rules those pages can use.

Full Bootstrap is 232 KB (31 KB gzipped), more than a first visit to the public side may weigh
in all (30 KB, README "Static files"): a whistleblower on a slow line or in Tor Browser, whose
cache lasts one session, pays for it every time. The public pages use a few dozen of its classes,
so `make public-css` (`python -m tipline.public_css`) writes static/tipline/bootstrap-public.css
from static/vendor/bootstrap/bootstrap.min.css keeping only:

- rules with a selector whose every class name appears as a word in the public templates, in
  the crispy-bootstrap5 templates the public forms render (every state of a field) or in the
  public forms' code, and whose attribute selectors name an attribute that appears there too (so the dark
  theme's `[data-bs-theme=dark]` goes); selectors with element names only (Bootstrap's reboot)
  are always kept;
- custom properties (`--bs-*`) that a kept declaration reads, directly or through another;
- keyframes a kept declaration animates with;
- the at-rules (`@media`, `@supports`) still holding a kept rule.

Like PurgeCSS's default extractor, a class counts as used when its name appears anywhere in those
files as a word: a generous test that keeps a few rules too many rather than one too few. The
output is committed and the same input always gives the same output; a test regenerates it and
compares, so a template that starts using another Bootstrap class fails the suite until the file
is rebuilt. The staff side keeps full Bootstrap.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import crispy_bootstrap5

BASE_DIR = Path(__file__).resolve().parent.parent
SOURCE = BASE_DIR / "static" / "vendor" / "bootstrap" / "bootstrap.min.css"
OUTPUT = BASE_DIR / "static" / "tipline" / "bootstrap-public.css"
_CRISPY_TEMPLATES = Path(crispy_bootstrap5.__file__).resolve().parent / "templates" / "bootstrap5"
# What crispy renders for a form with the default helper and no layout objects (the public forms,
# tipline/forms.py), in every state: unbound, with errors, each widget the forms use. The rest of
# crispy's templates (accordions, tabs, modals, input groups) would bring rules no public page uses.
CRISPY_TEMPLATES = [
    "display_form.html",
    "errors.html",
    "field.html",
    "inputs.html",
    "uni_form.html",
    "whole_uni_form.html",
    "layout/attrs.html",
    "layout/field_errors.html",
    "layout/field_errors_block.html",
    "layout/field_file.html",
    "layout/help_text.html",
    "layout/help_text_and_errors.html",
    "layout/radio_checkbox_select.html",
]


def content_files() -> list[Path]:
    """Return the files whose words decide which of Bootstrap's classes the public pages may use."""
    public_templates = [
        BASE_DIR / "templates" / "base_public.html",
        *sorted((BASE_DIR / "templates").glob("[0-9]*.html")),
    ]
    tipline = BASE_DIR / "tipline"
    return [
        *public_templates,
        *sorted((tipline / "templates" / "tipline").glob("*.html")),
        # The public figures page (/results/) lives with the roll-ups it reads.
        BASE_DIR / "trends" / "templates" / "trends" / "results.html",
        # The follow-up page's protection and disclosure sections live with their apps.
        *sorted((BASE_DIR / "protection" / "templates" / "protection").glob("*followup*.html")),
        BASE_DIR / "identity" / "templates" / "identity" / "followup_disclosures.html",
        tipline / "forms.py",
        BASE_DIR / "protection" / "public_forms.py",
        *(_CRISPY_TEMPLATES / name for name in CRISPY_TEMPLATES),
    ]


def used_words(paths: Iterable[Path]) -> set[str]:
    """Return every word (letters, digits, `-` and `_`) in the given files."""
    words: set[str] = set()
    for path in paths:
        words.update(re.findall(r"[A-Za-z0-9_-]+", path.read_text(encoding="utf-8")))
    return words


@dataclass
class _Block:
    """`prelude{body}` or, for `@charset "UTF-8";` and the like, `prelude;` (body None)."""

    prelude: str
    body: str | None
    children: list[_Block] = field(default_factory=list)

    @property
    def nests_rules(self) -> bool:
        return self.prelude.startswith(("@media", "@supports", "@container", "@layer"))


def _skip_string(css: str, i: int) -> int:
    quote = css[i]
    i += 1
    while i < len(css) and css[i] != quote:
        i += 2 if css[i] == "\\" else 1
    return i + 1


def _parse(css: str) -> list[_Block]:
    """Split a stylesheet into its top-level blocks, at-rules holding rules parsed recursively."""
    blocks: list[_Block] = []
    i = 0
    while i < len(css):
        if css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = len(css) if end < 0 else end + 2
            continue
        if css[i].isspace():
            i += 1
            continue
        start = i
        while i < len(css) and css[i] not in "{;":
            i = _skip_string(css, i) if css[i] in "\"'" else i + 1
        prelude = css[start:i].strip()
        if i >= len(css) or css[i] == ";":
            blocks.append(_Block(prelude, None))
            i += 1
            continue
        depth, i = 1, i + 1
        body_start = i
        while i < len(css) and depth:
            if css[i] in "\"'":
                i = _skip_string(css, i)
                continue
            depth += {"{": 1, "}": -1}.get(css[i], 0)
            i += 1
        block = _Block(prelude, css[body_start : i - 1])
        if block.nests_rules:
            block.children = _parse(block.body or "")
        blocks.append(block)
    return blocks


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split at `separator` outside parentheses, brackets and strings."""
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(text):
        char = text[i]
        if char in "\"'":
            i = _skip_string(text, i)
            continue
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [part for part in (p.strip() for p in parts) if part]


_FUNCTIONAL_PSEUDO = re.compile(r":(?:not|is|where|has)\(")


def _without_functional_pseudo(selector: str) -> str:
    """Drop `:not(...)` and its kind: a class named only there need not be used for the rule to apply."""
    while match := _FUNCTIONAL_PSEUDO.search(selector):
        depth, i = 1, match.end()
        while i < len(selector) and depth:
            depth += {"(": 1, ")": -1}.get(selector[i], 0)
            i += 1
        selector = selector[: match.start()] + selector[i:]
    return selector


def selector_used(selector: str, words: set[str]) -> bool:
    """Whether a (single) selector can match markup made of these words."""
    bare = _without_functional_pseudo(selector)
    classes = re.findall(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)", bare)
    attributes = re.findall(r"\[\s*([A-Za-z_][A-Za-z0-9_-]*)", bare)
    return all(name in words for name in classes) and all(name in words for name in attributes)


def _declarations(body: str) -> list[str]:
    return _split_top_level(body, ";")


_VAR = re.compile(r"var\(\s*(--[A-Za-z0-9_-]+)")


def _kept_rules(blocks: list[_Block], words: set[str]) -> list[_Block]:
    """Keep the rules with a used selector (only those selectors), the at-rules still holding one."""
    kept: list[_Block] = []
    for block in blocks:
        if block.body is None:
            kept.append(block)
        elif block.nests_rules:
            children = _kept_rules(block.children, words)
            if any(child.body is not None for child in children):
                kept.append(_Block(block.prelude, "", children))
        elif block.prelude.startswith("@"):
            kept.append(block)  # keyframes and the like: decided once the declarations are known
        else:
            selectors = [s for s in _split_top_level(block.prelude, ",") if selector_used(s, words)]
            if selectors:
                kept.append(_Block(",".join(selectors), block.body))
    return kept


def _walk(blocks: list[_Block]) -> Iterator[_Block]:
    for block in blocks:
        yield block
        yield from _walk(block.children)


def _referenced(blocks: list[_Block]) -> tuple[set[str], set[str]]:
    """Return the custom properties and the animation names the kept rules need."""
    definitions: dict[str, list[str]] = {}
    reads: set[str] = set()
    animations: set[str] = set()
    for block in _walk(blocks):
        if block.body is None or block.children or block.prelude.startswith("@"):
            continue
        for declaration in _declarations(block.body):
            name, _, value = declaration.partition(":")
            name = name.strip()
            if name.startswith("--"):
                definitions.setdefault(name, []).append(value)
                continue
            reads.update(_VAR.findall(value))
            if name in ("animation", "animation-name"):
                animations.update(re.findall(r"[A-Za-z_][A-Za-z0-9_-]*", value))
    pending = list(reads)
    while pending:
        for value in definitions.get(pending.pop(), []):
            for name in _VAR.findall(value):
                if name not in reads:
                    reads.add(name)
                    pending.append(name)
    for values in definitions.values():  # a variable may name an animation (--bs-spinner-animation-name)
        for value in values:
            animations.update(re.findall(r"[A-Za-z_][A-Za-z0-9_-]*", value))
    return reads, animations


def _serialize(blocks: list[_Block], variables: set[str], animations: set[str]) -> str:
    out: list[str] = []
    for block in blocks:
        if block.body is None:
            out.append(f"{block.prelude};")
        elif block.children:
            inner = _serialize(block.children, variables, animations)
            if inner:
                out.append(f"{block.prelude}{{{inner}}}")
        elif block.prelude.startswith("@keyframes"):
            if block.prelude.split()[-1] in animations:
                out.append(f"{block.prelude}{{{block.body}}}")
        elif block.prelude.startswith("@"):
            out.append(f"{block.prelude}{{{block.body}}}")
        else:
            declarations = [
                d for d in _declarations(block.body) if not d.startswith("--") or d.partition(":")[0] in variables
            ]
            if declarations:
                out.append(f"{block.prelude}{{{';'.join(declarations)}}}")
    return "".join(out)


def trim(css: str, words: set[str], *, note: str = "") -> str:
    """Return `css` with only what markup made of `words` can use, its @charset and licence comment kept.

    `note`, a comment, goes right after them (nothing may come before @charset).
    """
    banner = ""
    body = css
    if css.lstrip().startswith(("@charset", "/*!")):
        match = re.match(r'\s*(@charset "[^"]*";)?\s*(/\*!.*?\*/)', css, re.DOTALL)
        if match:
            banner = (match.group(1) or "") + match.group(2)
            body = css[match.end() :]
    rules = _kept_rules(_parse(body), words)
    variables, animations = _referenced(rules)
    rules = [block for block in rules if not block.prelude.startswith("@charset")]
    return banner + note + _serialize(rules, variables, animations)


HEADER = (
    "\n/* Generated by `make public-css` (tipline/public_css.py) from static/vendor/bootstrap/bootstrap.min.css:\n"
    "   the rules the public pages can use. Do not edit; change the templates and regenerate. */\n"
)


def build() -> str:
    """Return the public stylesheet as `make public-css` writes it."""
    return trim(SOURCE.read_text(encoding="utf-8"), used_words(content_files()), note=HEADER) + "\n"


def main() -> int:
    """Write static/tipline/bootstrap-public.css; print its size before and after."""
    css = build()
    OUTPUT.write_text(css, encoding="utf-8")
    print(f"{OUTPUT.relative_to(BASE_DIR)}: {len(css.encode()):,} bytes (from {SOURCE.stat().st_size:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
