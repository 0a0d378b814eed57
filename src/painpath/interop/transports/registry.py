"""Transports by name. A clinic's own plugin registers itself with `register_transport`."""

from __future__ import annotations

from collections.abc import Callable

from painpath.interop.transports.base import Transport, TransportError
from painpath.interop.transports.direct import DirectTransport
from painpath.interop.transports.fax import FaxGatewayTransport
from painpath.interop.transports.printing import PrintTransport
from painpath.interop.transports.settings import TransportSettings

_factories: dict[str, Callable[[TransportSettings], Transport]] = {
    "print": lambda _settings: PrintTransport(),
    "fax": FaxGatewayTransport,
    "direct": DirectTransport,
}
TRANSPORT_NAMES = ("print", "fax", "direct")


def register_transport(name: str, factory: Callable[[TransportSettings], Transport]) -> None:
    _factories[name] = factory


def transport_for(name: str, settings: TransportSettings | None = None) -> Transport:
    """The transport called `name`, configured from the environment unless settings are given."""
    factory = _factories.get(name)
    if factory is None:
        raise TransportError(f"No transport called {name!r}; use one of {', '.join(sorted(_factories))}")
    return factory(settings or TransportSettings())
