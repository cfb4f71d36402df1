"""Webhook HTTP delivery: which addresses a delivery may reach, and a POST pinned to the address checked.

A webhook URL names a host; the name is resolved at every delivery, each resolved address is checked against
the policy, and the connection goes to that checked address (a name that re-resolves to loopback between the
check and the connect, DNS rebinding, cannot slip through). By default only public addresses are reachable:
loopback, link-local (the cloud metadata address 169.254.169.254 among them), multicast, unspecified and
reserved ranges are refused, and private LAN ranges need ``MEISHI_WEBHOOK_ALLOW_PRIVATE`` or a listed range.

Failures are reported as coarse classes (``timeout``, ``refused``, ``tls``, ``http_status``,
``invalid_response``, ``blocked_address``, ``unreachable``), never as socket messages: a receiver's error text
must not tell an API caller which internal ports are open.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from contacts.config import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

TIMEOUT = "timeout"
REFUSED = "refused"
TLS = "tls"
HTTP_STATUS = "http_status"
INVALID_RESPONSE = "invalid_response"
BLOCKED_ADDRESS = "blocked_address"
UNREACHABLE = "unreachable"

MAX_RESPONSE_BYTES = 64 * 1024
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 addresses reached through a NAT64 gateway
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


@dataclass(frozen=True)
class Answer:
    """What a receiver answered: an HTTP status, or None and a failure class when there was no answer."""

    status: int | None
    error: str | None = None


Post = Callable[[str, bytes, dict[str, str]], Answer]


class BlockedAddress(Exception):
    """A webhook target resolves to an address the policy refuses."""


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses webhook deliveries may reach."""

    allow_private: bool = False
    allow_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressPolicy:
        return cls(
            allow_private=settings.webhook_allow_private,
            allow_networks=tuple(ipaddress.ip_network(c, strict=False) for c in settings.webhook_allow_cidrs),
        )

    def refusal(self, address: IPAddress) -> str | None:
        """Say why ``address`` may not be reached, or None when it may."""
        if isinstance(address, ipaddress.IPv6Address):
            embedded = address.ipv4_mapped or address.sixtofour
            if embedded is None and address in _NAT64:
                embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            if embedded is not None:
                return self.refusal(embedded)
        if any(address.version == net.version and address in net for net in self.allow_networks):
            return None
        if address.is_loopback:
            return "a loopback address"
        if address.is_link_local:
            return "a link-local address"
        if address.is_multicast:
            return "a multicast address"
        if address.is_unspecified or (address.version == 4 and address in _THIS_NETWORK):
            return "an unspecified address"
        if address.is_reserved:
            return "a reserved address"
        if address.is_global or self.allow_private:
            return None
        return "a private address (set MEISHI_WEBHOOK_ALLOW_PRIVATE or MEISHI_WEBHOOK_ALLOW_CIDRS)"

    def check(self, address: IPAddress) -> None:
        """Raise BlockedAddress unless ``address`` may be reached."""
        reason = self.refusal(address)
        if reason is not None:
            raise BlockedAddress(f"{address} is {reason}")

    def check_host(self, host: str) -> None:
        """Refuse a host that is a refused address however it is spelled, or a name for the local machine."""
        address = literal_address(host)
        if address is not None:
            self.check(address)
        elif host.lower().rstrip(".") in _LOCAL_NAMES or host.lower().rstrip(".").endswith(".localhost"):
            self.check(ipaddress.ip_address("127.0.0.1"))


def literal_address(host: str) -> IPAddress | None:
    """Read ``host`` as an IP address in any spelling the resolver accepts (decimal, hex, octal, short forms)."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def resolve(host: str, port: int, policy: AddressPolicy) -> tuple[int, str]:
    """Resolve ``host`` and return the address family and address to connect to; every address must pass."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not infos:
        raise OSError(f"{host} has no address")
    for info in infos:
        policy.check(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
    family, _, _, _, sockaddr = infos[0]
    return family, str(sockaddr[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a checked address, sending the URL's host name in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address, verifying the certificate for the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _classify(exc: BaseException, timed_out: bool) -> str:
    if timed_out or isinstance(exc, TimeoutError | socket.timeout):
        return TIMEOUT
    if isinstance(exc, BlockedAddress):
        return BLOCKED_ADDRESS
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return TLS
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED
    if isinstance(exc, http.client.HTTPException | ValueError | UnicodeError):
        return INVALID_RESPONSE
    return UNREACHABLE


def post(url: str, body: bytes, headers: dict[str, str], *, policy: AddressPolicy, timeout: float) -> Answer:
    """POST ``body`` to ``url`` within ``timeout`` seconds in all; never raise, never follow a redirect."""
    timer: threading.Timer | None = None
    timed_out = threading.Event()
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        policy.check_host(host)
        _, address = resolve(host, port, policy)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        conn = kind(host, port, address, timeout)

        def abort() -> None:  # bounds the whole exchange, not each read: a trickling receiver ends too
            timed_out.set()
            sock = conn.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(timeout, abort)
        timer.daemon = True
        timer.start()
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read(MAX_RESPONSE_BYTES)
            status = response.status
        finally:
            conn.close()
    except Exception as e:  # every failure of one delivery is that webhook's failure, as a coarse class
        return Answer(status=None, error=_classify(e, timed_out.is_set()))
    finally:
        if timer is not None:
            timer.cancel()
    if 200 <= status < 300:
        return Answer(status=status)
    return Answer(status=status, error=HTTP_STATUS)


def sender(policy: AddressPolicy, timeout: float) -> Post:
    """Return a Post that delivers under ``policy`` with a total ``timeout`` per request."""

    def send(url: str, body: bytes, headers: dict[str, str]) -> Answer:
        return post(url, body, headers, policy=policy, timeout=timeout)

    return send


def sender_for(settings: Settings) -> Post:
    """Return the Post the settings ask for."""
    return sender(AddressPolicy.from_settings(settings), settings.webhook_timeout_seconds)
