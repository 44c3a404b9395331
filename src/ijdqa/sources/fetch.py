"""Getting a copy of one cited source (its text is read by extract.py). The only module that
speaks HTTP.

`download` fetches exactly the URL it is given: no crawling, no sub-resources, no robots or
sitemap requests. Every request is bounded:

- a timeout for connecting and for each read, and a whole-download budget of three times that;
- a size cap: the body is streamed and reading stops once it passes `max_bytes`;
- redirects are followed by hand, at most `max_redirects` of them, and each hop is checked again;
- only http(s), and only the content types in `ALLOWED_TYPES`;
- the host must resolve to public addresses only (no private, loopback, link-local, reserved or
  multicast ones), and the address actually connected to is checked once more, unless
  `allow_private` is set. Environment proxies are not used, so the peer seen is the real one.

Failures raise `FetchError` with a one-line reason; `unreachable` marks the ones where the host
itself could not be reached (DNS failure, connection refused, connect timeout), so a caller can
stop trying that host.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass

import httpx

from ijdqa.errors import SourceError
from ijdqa.sources.extract import Copy, first_line, read_copy

USER_AGENT = "ijdqa/0.1 (+source verification for a research report)"
ALLOWED_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "text/plain", "application/pdf", "application/json"}
)
_ACCEPT = (
    "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,application/json;q=0.7"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DNS_HINTS = ("name or service", "name resolution", "nodename", "getaddrinfo", "no address")


class FetchError(SourceError):
    """A URL could not be fetched; the message is one line saying why."""

    def __init__(self, reason: str, *, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.unreachable = unreachable


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    allow_private: bool = False


@dataclass(frozen=True)
class Download:
    url: str
    final_url: str
    content_type: str  # the media type, lower case, without parameters; "" when not sent
    charset: str | None
    body: bytes
    status: int | None = None  # the HTTP status of the final response


def fetch_copy(client: httpx.Client, url: str, limits: FetchLimits) -> Copy:
    """Download `url` and read it; FetchError or SourceError say why not."""
    got = download(client, url, limits)
    suffix = _suffix(httpx.URL(got.final_url).path)
    return read_copy(
        got.body,
        content_type=got.content_type,
        charset=got.charset,
        suffix=suffix,
        url=got.final_url,
        final_url=got.final_url,
        status=got.status,
    )


def make_client(*, timeout: float, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client that never follows redirects by itself and ignores environment proxies."""
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT},
    )


def download(client: httpx.Client, url: str, limits: FetchLimits) -> Download:
    """GET `url` within `limits`, following at most `limits.max_redirects` checked redirects."""
    deadline = time.monotonic() + 3 * limits.timeout
    current = _parse(url)
    for _hop in range(limits.max_redirects + 1):
        check_url(current, allow_private=limits.allow_private)
        try:
            with client.stream("GET", current) as response:
                _check_peer(response, limits)
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    current = _next_hop(current, location)
                    continue
                return _read(response, url, limits, deadline)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise describe(exc, current, limits.timeout) from exc
    raise FetchError(f"too many redirects (more than {limits.max_redirects})")


def check_url(url: httpx.URL, *, allow_private: bool) -> None:
    """Refuse non-http(s) URLs and, unless `allow_private`, hosts with non-public addresses."""
    if url.scheme not in ("http", "https"):
        raise FetchError(f"refused: only http and https URLs are fetched, not {url.scheme!r}")
    if not url.host:
        raise FetchError(f"invalid URL (no host): {url}")
    if allow_private:
        return
    for address in resolve(url.host, url.port or (443 if url.scheme == "https" else 80)):
        if not is_public(address):
            raise FetchError(
                f"refused: {url.host} resolves to {address}, a private, loopback, link-local or "
                "reserved address (allow_private fetches it anyway)"
            )


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"DNS failure: cannot resolve {host}", unreachable=True) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def describe(exc: Exception, url: httpx.URL, timeout: float) -> FetchError:
    """A one-line FetchError for an httpx exception."""
    text = str(exc).lower()
    if isinstance(exc, httpx.TimeoutException):
        connecting = isinstance(exc, httpx.ConnectTimeout)
        phase = "connecting" if connecting else "waiting for the server"
        return FetchError(f"timed out after {timeout:g} s {phase}", unreachable=connecting)
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text:
            return FetchError(f"connection refused by {url.netloc.decode()}", unreachable=True)
        if any(hint in text for hint in _DNS_HINTS):
            return FetchError(f"DNS failure: cannot resolve {url.host}", unreachable=True)
        return FetchError(f"cannot connect to {url.host}: {first_line(exc)}", unreachable=True)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchError(f"invalid URL: {first_line(exc)}")
    return FetchError(f"network error ({type(exc).__name__}): {first_line(exc)}")


def _parse(url: str) -> httpx.URL:
    try:
        return httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL: {first_line(exc)}") from exc


def _next_hop(current: httpx.URL, location: str) -> httpx.URL:
    try:
        return current.join(location)
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid redirect target: {location[:200]!r}") from exc


def _check_peer(response: httpx.Response, limits: FetchLimits) -> None:
    """Check the address actually connected to (a DNS answer can change between two lookups)."""
    stream = response.extensions.get("network_stream")
    if limits.allow_private or stream is None:
        return
    peer = stream.get_extra_info("server_addr")
    if peer and not is_public(str(peer[0])):
        raise FetchError(f"refused: connected to {peer[0]}, which is not a public address")


def _read(response: httpx.Response, url: str, limits: FetchLimits, deadline: float) -> Download:
    if not response.is_success:
        raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
    media, charset = _content_type(response.headers.get("content-type", ""))
    if media and media not in ALLOWED_TYPES:
        raise FetchError(f"unsupported content type {media}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(
            f"response of {int(declared):,} bytes exceeds the size cap of {limits.max_bytes:,} bytes"
        )
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limits.max_bytes:
            raise FetchError(
                f"response exceeds the size cap of {limits.max_bytes:,} bytes; stopped reading"
            )
        if time.monotonic() > deadline:
            raise FetchError(f"timed out: the download took longer than {3 * limits.timeout:g} s")
    return Download(url, str(response.url), media, charset, bytes(body), response.status_code)


def _content_type(header: str) -> tuple[str, str | None]:
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return media.strip().lower(), charset


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
