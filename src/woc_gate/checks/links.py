"""Links the API hands out resolve for their owner only.

Every URL in an API answer (a field named ``…Url``, ``…Uri``, ``href`` or ``…link``, at any depth) is
fetched first with the credentials of the caller it was handed to, which must get a 2xx; then with
another tenant's credentials and with none, which must be refused (the profile's ``[routes] refused``
and ``refused_anonymous``) and must not get the owner's bytes. A link off the API's origin fails: the
caller's credentials do not go there, so it is either public or unusable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from ..target.boundary import json_body
from ..target.clients import ApiSession, request, unwrap
from . import listed
from .contracts import ContractViolation, json_payload
from .records import LINK_KEY

LINKS_PER_FIELD = 10  # per answer and field (the first records of a list): each link costs three requests


@dataclass(frozen=True)
class Link:
    """One URL an answer handed out: where (``GET /screenshots: previewUrl``), the URL made absolute, and the
    path whose answer held it."""

    where: str
    url: str
    source: str


def handed_out(api: ApiSession, record_paths: Mapping[str, tuple[str, str]], *paths: str) -> list[Link]:
    """The links in what the caller reads: each list, its first record by id, and ``GET path`` for each path."""
    __tracebackhide__ = True
    links: list[Link] = []
    for list_path, read_path in record_paths.values():
        listed_records = _read(api, list_path)
        links += _links_in(listed_records, list_path, api)
        first = next(iter(unwrap(listed_records, api.settings.envelopes["list"]) or []), {})
        if isinstance(first, dict) and first.get("id") is not None:
            path = read_path.replace("{id}", quote(str(first["id"]), safe=""))
            links += _links_in(_read(api, path), path, api, shown_as=read_path)
    for path in paths:
        links += _links_in(_read(api, path), path, api)
    return links


def link_problems(
    links: Iterable[Link],
    owner: ApiSession,
    other: httpx.Client,
    anonymous: httpx.Client,
    *,
    refused: frozenset[int],
    refused_anonymous: frozenset[int],
) -> list[str]:
    """What is wrong with each link: not answering its owner, answering another tenant or nobody, off the API."""
    problems = []
    origin = _origin(str(owner.client.base_url))
    for link in links:
        if _origin(link.url) != origin:
            problems.append(f"{link.where} {link.url} is not on {origin}, where the caller's credentials go")
            continue
        mine = request(owner.client, "GET", link.url, setting=owner.setting)  # the owner first: a warm cache
        answered = 200 <= mine.status_code < 300
        if not answered and not _still_handed_out(owner, link):
            continue  # its record was deleted meanwhile (by the retention job, say)
        if not answered:
            problems.append(f"{link.where} {link.url} answers its owner HTTP {mine.status_code}")
        for who, client, refusals in (("another tenant", other, refused), ("no one", anonymous, refused_anonymous)):
            theirs = request(client, "GET", link.url, setting=owner.setting)
            if theirs.status_code not in refusals or (answered and theirs.content == mine.content):
                problems.append(f"{link.where} {link.url} answers {who} HTTP {theirs.status_code}")
    return problems


def links_resolve_for_their_owner_only(problems: list[str], links: list[Link], *, tenant: str) -> None:
    """Every link the API handed tenant ``tenant`` answers it, and refuses another tenant and an anonymous caller."""
    __tracebackhide__ = True
    if problems:
        raise ContractViolation(
            f"{len(problems)} problem(s) with the {len(links)} link(s) the API hands tenant {tenant}: {problems[0]}",
            "each link answers its owner with a 2xx and refuses another tenant and no credentials",
            listed(problems, 3),
        )


def _read(api: ApiSession, path: str) -> Any:
    __tracebackhide__ = True
    return json_payload(request(api.client, "GET", path, setting=api.setting), envelope="", what=f"GET {path}")


def _links_in(body: Any, path: str, api: ApiSession, *, shown_as: str = "") -> list[Link]:
    """The links of ``GET path``'s answer, at most ``LINKS_PER_FIELD`` per field, made absolute on the API's URL."""
    links, per_field = [], Counter()
    for field, value in _link_fields(body):
        per_field[field] += 1
        if per_field[field] <= LINKS_PER_FIELD:
            links.append(Link(f"GET {shown_as or path}: {field}", urljoin(str(api.client.base_url), value), path))
    return links


def _still_handed_out(api: ApiSession, link: Link) -> bool:
    """Whether the answer that held a link still holds it."""
    response = request(api.client, "GET", link.source, setting=api.setting)
    if not 200 <= response.status_code < 300:
        return False
    return link.url in {other.url for other in _links_in(json_body(response), link.source, api)}


def _link_fields(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """``(field path, URL)`` for every link-named string field, list positions left out of the path."""
    if isinstance(value, dict):
        for key, item in value.items():
            field = f"{path}.{key}" if path else str(key)
            if isinstance(item, str) and LINK_KEY.search(str(key)) and item.startswith(("http://", "https://", "/")):
                yield field, item
            else:
                yield from _link_fields(item, field)
    elif isinstance(value, list):
        for item in value:
            yield from _link_fields(item, path)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
