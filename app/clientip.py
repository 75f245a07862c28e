"""The client's address, trusting X-Forwarded-For only from configured proxies."""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from app.config import settings


@cache
def _trusted_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in settings.trusted_proxies)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _trusted_networks())


def client_ip(request: Request) -> str:
    """The peer, or through trusted proxies the right-most address no proxy of ours added."""
    peer = request.client.host if request.client else "0.0.0.0"
    if not _is_trusted(peer):
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",")]
    for address in reversed([part for part in forwarded if part]):
        if not _is_trusted(address):
            return address
    return peer


async def client_ip_dependency(request: Request) -> str:
    """client_ip as a dependency; async, so FastAPI runs it inline, not in a thread pool."""
    return client_ip(request)


ClientIP = Annotated[str, Depends(client_ip_dependency)]
