"""The « identifiant » path converter: a row's id in a page's address, in the one form of web.entrees.

Django's `<int:…>` took « 007 » as 7 (the page of row 7 under another address) and any number of digits (past
a 64-bit column, only Django's own overflow check stood between the lookup and the database). Here an id is
1 to 9 ASCII digits without a leading zero, as `reverse()` writes it; any other writing matches no route, so
the answer is the platform's 404. Registered once, when the first urls module imports it.
"""

from __future__ import annotations

from django.urls import register_converter

from solidarite.web.entrees import ID_PATTERN, parse_id

IDENTIFIANT = "identifiant"


class IdentifiantConverter:
    regex = ID_PATTERN[1:-1]  # without ^ and $: Django anchors the whole route itself

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        text = str(value)
        if parse_id(text) is None:  # reverse() of another writing: NoReverseMatch, not a link to a 404
            raise ValueError(text)
        return text


register_converter(IdentifiantConverter, IDENTIFIANT)
