"""Text from plan files shown as HTML: escaped, or sanitised to a small allow-list.

Every string a plan supplies (a title, a label, a value) is escaped where it is shown
(:func:`html.escape`, jinja2's autoescape, the map runtime's ``esc``). The one place where
markup is meant — a data attribution such as ``© <a href="https://…">Sở Công Thương</a>`` — goes
through :func:`sanitize_html`: links to ``http(s)``/``mailto`` addresses and a few inline tags
are kept, everything else is text. :func:`plain_text` gives the same string without markup
(for the printable map).
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

__all__ = ["ALLOWED_TAGS", "escape_html", "plain_text", "sanitize_html"]

#: Tags kept by :func:`sanitize_html` (``a`` only with a safe ``href``).
ALLOWED_TAGS = ("a", "b", "strong", "i", "em", "span", "br", "small", "sup", "sub")
_VOID = ("br",)
_SAFE_SCHEMES = ("https://", "http://", "mailto:")
_DROP_CONTENT = ("script", "style", "template", "textarea", "title", "noscript", "iframe",
                 "object", "svg", "math")


def escape_html(text: str) -> str:
    """``text`` as HTML text: ``& < > " '`` escaped, and the braces ``{ }`` too (as ``&#123;``
    ``&#125;``, shown as braces). folium/branca read the script they render once more as a
    Jinja template, so ``{{ ... }}`` in a plan string would run as template code while the map
    is written; escaped braces are never template syntax.

    >>> escape_html('<b>{{ 7*7 }}</b>')
    '&lt;b&gt;&#123;&#123; 7*7 &#125;&#125;&lt;/b&gt;'
    """
    return html.escape(str(text), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _braces(text: str) -> str:
    return text.replace("{", "&#123;").replace("}", "&#125;")


class _Sanitiser(HTMLParser):
    def __init__(self, keep_tags: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_tags = keep_tags
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self.dropping += 1
            return
        if self.dropping or not self.keep_tags or tag not in ALLOWED_TAGS:
            return
        if tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), None)
            if href is None or not href.strip().lower().startswith(_SAFE_SCHEMES) \
                    or any(ch in href for ch in "\x00\n\r\t"):
                self.out.append("<span>")
                self.open.append("span")
                return
            title = next((v for k, v in attrs if k == "title" and v), None)
            extra = f' title="{escape_html(title)}"' if title else ""
            self.out.append(f'<a href="{escape_html(href.strip())}"{extra} '
                            'target="_blank" rel="noopener noreferrer">')
            self.open.append("a")
            return
        self.out.append(f"<{tag}>")
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or not self.keep_tags:
            return
        if tag == "a" and "span" in self.open and "a" not in self.open:
            tag = "span"  # an unsafe link was kept as a span
        if tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(_braces(html.escape(data, quote=False)) if self.keep_tags else data)

    def result(self) -> str:
        self.close()
        while self.open and self.keep_tags:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out)


def sanitize_html(text: str) -> str:
    """``text`` as HTML safe to insert into a page: the tags of :data:`ALLOWED_TAGS` kept
    without attributes (links with their ``http(s)``/``mailto`` address only, opened in a new
    tab), every other tag dropped, the content of scripts and styles dropped, text escaped
    (braces too, as :func:`escape_html` says why).

    >>> sanitize_html('© <a href="https://sct.gov.vn" onclick="x()">SCT</a>')
    '© <a href="https://sct.gov.vn" target="_blank" rel="noopener noreferrer">SCT</a>'
    >>> sanitize_html('<img src=x onerror=alert(1)>Sở <b>CT</b>')
    'Sở <b>CT</b>'
    >>> sanitize_html('<a href="javascript:alert(1)">x</a>')
    '<span>x</span>'
    """
    parser = _Sanitiser(keep_tags=True)
    parser.feed(str(text))
    return parser.result()


def plain_text(text: str) -> str:
    """``text`` without markup (tags dropped, entities decoded), for a place that shows text.

    >>> plain_text('© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>')
    '© OpenStreetMap'
    """
    parser = _Sanitiser(keep_tags=False)
    parser.feed(str(text))
    return parser.result()
