"""The Python client that speaks to the Elasticsearch server at hand: 9.x or 8.19.

The 9.x client marks every request `compatible-with=9`, which a server of the 8 line
refuses (it answers 400 `media_type_header_exception`: it accepts 7 or 8). A district
that runs 8.19 is served by the 8.x client, published as the `elasticsearch8` package;
both share one transport library, and their APIs are the same for what the archive asks.

Which one a URL gets is found out on the first request, not when the URL is read, so a
process starts while the server is down and reports it unavailable, as before. The
errors of both packages are caught alike through the tuples below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

import elasticsearch
import elasticsearch.helpers
import elasticsearch8
import elasticsearch8.helpers
from elastic_transport import TransportError

__all__ = [
    "API_ERRORS",
    "BAD_REQUEST",
    "ERRORS",
    "NOT_FOUND",
    "Elasticsearch",
    "TransportError",
    "connect",
    "server_refuses_client_major",
    "streaming_bulk",
]

Elasticsearch = elasticsearch.Elasticsearch

API_ERRORS: tuple[type[elasticsearch.ApiError], ...] = (
    elasticsearch.ApiError,
    cast(type[elasticsearch.ApiError], elasticsearch8.ApiError),
)
BAD_REQUEST: tuple[type[elasticsearch.BadRequestError], ...] = (
    elasticsearch.BadRequestError,
    cast(type[elasticsearch.BadRequestError], elasticsearch8.BadRequestError),
)
NOT_FOUND: tuple[type[elasticsearch.NotFoundError], ...] = (
    elasticsearch.NotFoundError,
    cast(type[elasticsearch.NotFoundError], elasticsearch8.NotFoundError),
)


# Whatever a request to the server may raise: its answer, or no answer.
ERRORS: tuple[type[Exception], ...] = (*API_ERRORS, TransportError)


def server_refuses_client_major(exc: Exception) -> bool:
    """Whether a server refused a request for the version it was marked with."""
    return isinstance(exc, BAD_REQUEST) and exc.error == "media_type_header_exception"


def connect(host: str, **options: Any) -> Elasticsearch:
    """A client for the server at host, asking it once which major version it speaks.

    Raises the transport's error if the server does not answer, so the caller reports
    the search unavailable and asks again next time."""
    client = elasticsearch.Elasticsearch(host, **options)
    try:
        # Not `info()`: its `GET /` lives in a module (rest-root) that the minimal
        # distribution the tests run lacks.
        client.cluster.health()
    except elasticsearch.BadRequestError as exc:
        if not server_refuses_client_major(exc):
            raise
        client.close()
        return cast(Elasticsearch, elasticsearch8.Elasticsearch(host, **options))
    return client


def streaming_bulk(
    client: Elasticsearch, actions: Iterable[dict[str, Any]], **options: Any
) -> Iterable[tuple[bool, Any]]:
    """The bulk helper of the client's own package: it retries a 429 by catching that
    package's errors."""
    helper: Callable[..., Iterable[tuple[bool, Any]]] = elasticsearch.helpers.streaming_bulk
    if isinstance(client, elasticsearch8.Elasticsearch):
        helper = elasticsearch8.helpers.streaming_bulk
    return helper(client, actions, **options)
