"""The Hugging Face Hub as a mirror source: pin, list, and ranged reads with retries.

Metadata (commit, license, tree, per-file resolve HEAD) goes through huggingface_hub's own API so
endpoints, tokens and headers behave as users expect. The bytes are read with Range GETs (stdlib
http.client straight into the part buffer; httpx when a proxy applies) on the signed location the
resolve HEAD returns: huggingface_hub has no public ranged-read call
(its downloads always write to disk), one HEAD per file keeps us inside the Hub's "resolver" rate
limit, and owning the loop lets us resume a dropped body mid-part, honour Retry-After, refresh an
expired CDN signature and refuse a file that changed under a pinned commit.
"""

from __future__ import annotations

import contextlib
import http.client
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from hedgectl.core.mirror import RepoFile, Snapshot
from hedgectl.core.retry import RetryPolicy
from hedgectl.core.retry import retry_after as parse_retry_after
from hedgectl.errors import IntegrityError, RemoteError

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")
DEFAULT_ENDPOINT = "https://huggingface.co"
RETRY_STATUSES = {429, 500, 502, 503, 504}
# Plus httpx.TransportError once a proxied read has loaded httpx (see HubAdapter.httpx_client).
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (OSError, http.client.HTTPException)
EXPIRED_STATUSES = {401, 403, 410}  # a signed CDN URL past its expiry


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


class HubAdapter:
    """HubSource over huggingface_hub (metadata) and ranged HTTP reads (bytes)."""

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | None = None,
        *,
        pool_size: int = 16,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        log: Callable[[str], None] = lambda _msg: None,
    ) -> None:
        from huggingface_hub import HfApi

        self.endpoint = (endpoint or DEFAULT_ENDPOINT).rstrip("/")
        self.token = token
        self.api = HfApi(endpoint=self.endpoint, token=token)
        self.retry = retry or RetryPolicy()
        self.log = log
        self._locations: dict[str, str] = {}
        self._failed: dict[str, RemoteError] = {}  # resolves that spent their retry budget
        self._file_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._warned_no_range = False
        self._ranges: dict[str, bool] = {}  # file -> did its server honour Range?
        self._local = threading.local()
        self._proxy_for: dict[tuple[str, str], bool] = {}
        self._ssl_context: ssl.SSLContext | None = None
        self.timeout = timeout
        self.pool_size = pool_size
        self._transport_errors = TRANSPORT_ERRORS
        self._http: httpx.Client | None = None  # only behind a proxy: made on first use

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    @property
    def httpx_client(self) -> httpx.Client:
        """An httpx client (reads behind a proxy, ModelScope's API). httpx is imported only
        then: with the rich console its CLI module loads, it costs about 70 ms of CPU at
        start-up that a direct copy from the Hub does not need."""
        with self._lock:
            if self._http is None:
                import httpx

                self._transport_errors = (httpx.TransportError, *TRANSPORT_ERRORS)
                self._http = httpx.Client(
                    timeout=httpx.Timeout(self.timeout, connect=15.0),
                    limits=httpx.Limits(
                        max_connections=self.pool_size, max_keepalive_connections=self.pool_size
                    ),
                    follow_redirects=True,
                    trust_env=True,
                )
            return self._http

    # -- metadata

    def _call(self, what: str, func: Callable[[], T]) -> T:
        """A huggingface_hub call (which does not retry by itself: see snapshot), retried on
        429/5xx/transport errors within the retry budget, errors mapped to RemoteError."""
        from huggingface_hub import errors as hf_errors
        from huggingface_hub.utils import httpx as hf_httpx  # type: ignore[attr-defined]  # httpx2 on 2.x

        since = time.monotonic()
        attempt = 0
        while True:
            try:
                return func()
            except hf_errors.GatedRepoError as exc:
                raise RemoteError(
                    f"{what}: the repo is gated ({_first_line(exc)})",
                    hint="accept the licence on the Hub and set HF_TOKEN",
                ) from None
            except hf_errors.RepositoryNotFoundError:
                raise RemoteError(
                    f"{what}: repository not found on {self.endpoint}",
                    hint="check the repo id; private repos need HF_TOKEN",
                ) from None
            except hf_errors.RevisionNotFoundError:
                raise RemoteError(
                    f"{what}: revision not found", hint="check --revision / @revision"
                ) from None
            except hf_errors.HfHubHTTPError as exc:
                status = exc.response.status_code if exc.response is not None else 0
                if status not in RETRY_STATUSES:
                    raise RemoteError(f"{what}: HTTP {status}: {_first_line(exc)}") from None
                wait = (
                    parse_retry_after(exc.response.headers.get, time.time())
                    if exc.response is not None
                    else None
                )
                self._backoff(what, f"HTTP {status}", attempt, wait, since, self.endpoint)
            except (hf_httpx.TransportError, OSError) as exc:
                self._backoff(
                    what, f"{type(exc).__name__}: {exc}", attempt, None, since, self.endpoint
                )
            attempt += 1

    def _backoff(
        self,
        what: str,
        why: object,
        attempt: int,
        retry_after: float | None,
        since: float,
        url: str,
    ) -> None:
        """Sleep before the next try, or raise when the retry budget is spent."""
        wait = self.retry.wait(attempt, retry_after, since, time.monotonic())
        if wait is None:
            raise RemoteError(
                f"{what}: {why} (gave up after {attempt + 1} attempts in "
                f"{time.monotonic() - since:.0f}s)",
                hint=_net_hint(url),
            )
        self.log(
            f"{what}: {why}, retrying in {wait:.1f}s (attempt {attempt + 2}/{self.retry.attempts})"
        )
        time.sleep(wait)

    def snapshot(self, repo_id: str, revision: str) -> Snapshot:
        from huggingface_hub.hf_api import RepoFile as HfRepoFile

        info = self._call(
            f"{repo_id}@{revision}", lambda: self.api.model_info(repo_id, revision=revision)
        )
        commit = info.sha
        if not commit:
            raise RemoteError(f"{repo_id}@{revision}: the Hub did not return a commit")
        entries = self._tree(repo_id, commit)
        files = tuple(
            RepoFile(
                path=e.path,
                size=int(e.size),
                git_oid=str(e.blob_id),
                sha256=e.lfs.sha256 if e.lfs is not None else None,
            )
            for e in entries
            if isinstance(e, HfRepoFile)
        )
        return Snapshot(repo_id, revision, commit, _license(info), files)

    def _tree(self, repo_id: str, commit: str) -> list[Any]:
        """Every entry of the recursive tree at the commit, page by page (Link: rel="next").

        Not list_repo_tree: it retries each page itself (huggingface_hub's http_backoff, 5 times)
        and those retries would run inside ours. Same URL, headers, session and entry classes."""
        from huggingface_hub import get_session
        from huggingface_hub.hf_api import RepoFile as HfRepoFile
        from huggingface_hub.hf_api import RepoFolder
        from huggingface_hub.utils import hf_raise_for_status  # type: ignore[attr-defined]

        session = get_session()
        headers = self.api._build_hf_headers()
        url: str | None = f"{self.endpoint}/api/models/{repo_id}/tree/{commit}"
        params: dict[str, Any] | None = {"recursive": True, "expand": False}
        entries: list[Any] = []
        page = 0
        while url is not None:
            page += 1

            def fetch(url: str = url, params: Any = params) -> Any:
                r = session.get(url, headers=headers, params=params)
                hf_raise_for_status(r)
                return r

            r = self._call(f"{repo_id}@{commit[:12]} tree (page {page})", fetch)
            for item in r.json():
                entry = HfRepoFile if item["type"] == "file" else RepoFolder
                entries.append(entry(**item))
            url = r.links.get("next", {}).get("url")
            params = None  # the next link carries its own query
        return entries

    def _location(self, repo_id: str, commit: str, file: RepoFile, stale: str | None = None) -> str:
        """The URL the bytes come from: one resolve HEAD per file (cached; parts of one file share
        it), checked against the listing. `stale` is a URL the CDN refused: fetch a fresh one unless
        another part already did."""
        cache_key = f"{repo_id}@{commit}:{file.path}"
        with self._lock:
            file_lock = self._file_locks.setdefault(cache_key, threading.Lock())
        with file_lock:
            cached = self._locations.get(cache_key)
            if cached is not None and cached != stale:
                return cached
            failed = self._failed.get(cache_key)
            if failed is not None:
                # Another read of this file (a part or slice in parallel) spent the retry budget
                # on this resolve already: one budget per file, not one per read.
                raise failed
            try:
                location = self._resolve(repo_id, commit, file)
            except RemoteError as exc:
                self._failed[cache_key] = exc
                raise
            self._locations[cache_key] = location
            return location

    def _resolve(self, repo_id: str, commit: str, file: RepoFile) -> str:
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        url = hf_hub_url(repo_id, file.path, revision=commit, endpoint=self.endpoint)
        meta = self._call(
            f"{file.path}",
            lambda: get_hf_file_metadata(url, token=self.token, timeout=30, retry_on_errors=False),
        )
        if meta.commit_hash and meta.commit_hash != commit:
            raise IntegrityError(
                f"{file.path}: the Hub served commit {meta.commit_hash} for pinned commit {commit}"
            )
        etag = (meta.etag or "").strip('"').removeprefix("W/").strip('"')
        if etag and len(etag) in (40, 64) and etag != file.digest:
            raise IntegrityError(
                f"{file.path} changed under pinned commit {commit[:12]}: the Hub now says "
                f"{etag}, the listing said {file.digest}"
            )
        if meta.size is not None and meta.size != file.size:
            raise IntegrityError(
                f"{file.path} changed under pinned commit {commit[:12]}: size {meta.size}, listed {file.size}"
            )
        return str(meta.location)

    # -- bytes

    def read(self, repo_id: str, commit: str, file: RepoFile, start: int, end: int) -> bytearray:
        """Bytes [start, end) of a file: resumes within the range after drops, retries with backoff."""
        buf = bytearray(end - start)
        self.read_into(repo_id, commit, file, start, memoryview(buf))
        return buf

    def range_support(self, repo_id: str, commit: str, file: RepoFile) -> bool | None:
        """Did the server answer a Range request for this file with 206 (True) or with the whole
        file (200, False)? None until it has answered one."""
        return self._ranges.get(f"{repo_id}@{commit}:{file.path}")

    def read_into(
        self, repo_id: str, commit: str, file: RepoFile, start: int, out: memoryview
    ) -> None:
        """Fill `out` with the file's bytes from `start` on (the copier's reused part buffers)."""
        end = start + len(out)
        cache_key = f"{repo_id}@{commit}:{file.path}"
        cur = _Cursor(out)
        attempt = 0
        since = time.monotonic()
        refreshed = 0
        location = self._location(repo_id, commit, file)
        while cur.got < len(cur.buf):
            before = cur.got
            what = f"{file.path} bytes {start + cur.got}-{end - 1}"
            headers = {"Range": f"bytes={start + cur.got}-{end - 1}", "Accept-Encoding": "identity"}
            if self.token and _origin(location) == _origin(self.endpoint):
                headers["Authorization"] = f"Bearer {self.token}"  # never sent to a CDN
            retry_after: float | None = None
            why: object
            try:
                with self._get(location, headers) as resp:
                    status = resp.status
                    if status == 206:
                        self._check_content_range(resp, file, start + cur.got, commit)
                        self._ranges[cache_key] = True
                        resp.fill(cur, skip=0)
                        continue_ok = True
                    elif status == 200:
                        # Every read of this file now starts at byte 0: the copier stops slicing
                        # its parts and refuses a file of too many parts (range_support).
                        self._ranges[cache_key] = False
                        if not self._warned_no_range:
                            self._warned_no_range = True
                            self.log(
                                f"{file.path}: the server ignored Range; reading from the start"
                            )
                        length = resp.header("content-length")
                        if length is not None and int(length) != file.size:
                            raise IntegrityError(
                                f"{file.path} changed under pinned commit {commit[:12]}: "
                                f"{length} bytes served, {file.size} listed"
                            )
                        resp.fill(cur, skip=start + cur.got)
                        continue_ok = True
                    else:
                        continue_ok = False
                        retry_after = parse_retry_after(resp.header, time.time())
                if continue_ok:
                    if cur.got < len(cur.buf):
                        why = "connection closed early"
                    else:
                        break
                elif status in EXPIRED_STATUSES and _origin(location) != _origin(self.endpoint):
                    if refreshed >= 3:
                        raise RemoteError(
                            f"{what}: HTTP {status} from the CDN even after refreshing the URL"
                        )
                    refreshed += 1
                    self.log(
                        f"{file.path}: signed URL refused (HTTP {status}); asking the Hub for a fresh one"
                    )
                    location = self._location(repo_id, commit, file, stale=location)
                    continue
                elif status in RETRY_STATUSES:
                    why = f"HTTP {status}"
                elif status == 416:
                    raise IntegrityError(
                        f"{file.path} changed under pinned commit {commit[:12]}: range {start + cur.got}- is past its end"
                    )
                elif status in (401, 403):
                    raise RemoteError(
                        f"{what}: HTTP {status}",
                        hint="set HF_TOKEN to a token with access to the repo",
                    )
                else:
                    raise RemoteError(f"{what}: HTTP {status} from {_origin(location)[1]}")
            except self._transport_errors as exc:
                why = f"{type(exc).__name__}"
            # A drop after progress starts a new budget: huge parts on flaky links finish.
            if cur.got > before:
                attempt, since = 0, time.monotonic()
            self._backoff(what, why, attempt, retry_after, since, location)
            attempt += 1

    @contextlib.contextmanager
    def _get(self, url: str, headers: dict[str, str]) -> Iterator[_Response]:
        """One GET. Without a proxy: stdlib http.client on a per-thread keep-alive connection,
        reading straight into the part buffer (readinto); about 3x less CPU per byte than httpx,
        which matters at multi-Gbit/s. Behind a proxy (HTTPS_PROXY...): httpx, which honours it."""
        if self._proxied(url):
            with self.httpx_client.stream("GET", url, headers=headers) as r:
                yield _HttpxResponse(r)
            return
        for _hop in range(5):
            conn = self._conn(url)
            parts = urlsplit(url)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            try:
                conn.request("GET", target or "/", headers=headers)
                raw = conn.getresponse()
            except BaseException:
                self._drop_conn(url)
                raise
            location = raw.getheader("location")
            if raw.status in (301, 302, 303, 307, 308) and location:
                raw.read()
                url = urljoin(url, location)
                headers = {k: v for k, v in headers.items() if k != "Authorization"}
                continue
            resp = _RawResponse(raw)
            try:
                yield resp
            finally:
                if not resp.reusable():
                    self._drop_conn(url)
            return
        raise RemoteError(f"too many redirects from {url}")

    def _proxied(self, url: str) -> bool:
        """Does a proxy from the environment apply to this URL's origin? Decided once per origin:
        reading the proxy variables walks os.environ, about 0.5 ms, and every ranged read asked."""
        origin = _origin(url)
        known = self._proxy_for.get(origin)
        if known is None:
            known = self._proxy_for[origin] = _proxied(url)
        return known

    def _conn(self, url: str) -> http.client.HTTPConnection:
        pool: dict[tuple[str, str], http.client.HTTPConnection] = self._local.__dict__.setdefault(
            "pool", {}
        )
        origin = _origin(url)
        conn = pool.get(origin)
        if conn is None:
            parts = urlsplit(url)
            if parts.scheme == "https":
                conn = http.client.HTTPSConnection(
                    parts.hostname or "", parts.port, timeout=self.timeout, context=self._ssl()
                )
            else:
                conn = http.client.HTTPConnection(
                    parts.hostname or "", parts.port, timeout=self.timeout
                )
            pool[origin] = conn
        return conn

    def _drop_conn(self, url: str) -> None:
        pool = self._local.__dict__.get("pool", {})
        conn = pool.pop(_origin(url), None)
        if conn is not None:
            conn.close()

    def _ssl(self) -> ssl.SSLContext:
        with self._lock:
            if self._ssl_context is None:
                self._ssl_context = ssl.create_default_context()
            return self._ssl_context

    def _check_content_range(
        self, resp: _Response, file: RepoFile, first: int, commit: str
    ) -> None:
        value = resp.header("content-range") or ""
        # "bytes first-last/total"
        try:
            span, _, total = value.removeprefix("bytes ").partition("/")
            begin = int(span.split("-")[0])
            size = None if total in ("*", "") else int(total)
        except ValueError:
            raise RemoteError(f"{file.path}: bad Content-Range {value!r}") from None
        if begin != first:
            raise RemoteError(f"{file.path}: asked for byte {first}, the server started at {begin}")
        if size is not None and size != file.size:
            raise IntegrityError(
                f"{file.path} changed under pinned commit {commit[:12]}: {total} bytes served, {file.size} listed"
            )


class _Response:
    """What read() needs from one GET response, whichever client made it."""

    status: int

    def header(self, name: str) -> str | None:
        raise NotImplementedError

    def fill(self, cur: _Cursor, skip: int) -> None:
        raise NotImplementedError


class _RawResponse(_Response):
    def __init__(self, raw: http.client.HTTPResponse) -> None:
        self.raw = raw
        self.status = raw.status
        self._done = False

    def header(self, name: str) -> str | None:
        value = self.raw.getheader(name)
        return None if value is None else str(value)

    def fill(self, cur: _Cursor, skip: int) -> None:
        view = memoryview(cur.buf)
        while skip:
            junk = self.raw.read(min(skip, 1024 * 1024))
            if not junk:
                return
            skip -= len(junk)
        while cur.got < len(cur.buf):
            n = self.raw.readinto(view[cur.got :])
            if not n:
                return
            cur.got += n
        self._done = self.raw.isclosed() or self.raw.length == 0

    def reusable(self) -> bool:
        """Keep the connection only if this body was read to its end (or it had none)."""
        if self.status not in (200, 206):
            try:
                self.raw.read(64 * 1024)
            except (OSError, http.client.HTTPException):
                return False
            return self.raw.isclosed() or self.raw.length == 0
        return self._done and not self.raw.will_close


class _HttpxResponse(_Response):
    def __init__(self, resp: httpx.Response) -> None:
        self.resp = resp
        self.status = resp.status_code

    def header(self, name: str) -> str | None:
        value = self.resp.headers.get(name)
        return None if value is None else str(value)

    def fill(self, cur: _Cursor, skip: int) -> None:
        cur.fill(self.resp, skip)


def _proxied(url: str) -> bool:
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


class _Cursor:
    """How much of a part buffer is filled; survives a body that drops mid-stream."""

    def __init__(self, buf: memoryview) -> None:
        self.buf = buf
        self.got = 0

    def fill(self, resp: httpx.Response, skip: int) -> None:
        """Copy the body in from `got`, after discarding `skip` leading bytes."""
        view = memoryview(self.buf)
        for chunk in resp.iter_raw():
            if skip:
                if len(chunk) <= skip:
                    skip -= len(chunk)
                    continue
                chunk = chunk[skip:]
                skip = 0
            room = len(self.buf) - self.got
            if len(chunk) >= room:
                view[self.got :] = chunk[:room]
                self.got = len(self.buf)
                return
            view[self.got : self.got + len(chunk)] = chunk
            self.got += len(chunk)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _net_hint(url: str) -> str:
    return f"check the network path to {_origin(url)[1]} (proxy, firewall); the run is resumable: re-run the same command"


def _license(info: Any) -> str | None:
    card = getattr(info, "card_data", None)
    license_: str | None = None
    if card is not None:
        license_ = getattr(card, "license", None)
        if license_ == "other" and getattr(card, "license_name", None):
            license_ = f"other:{card.license_name}"
    if not license_:
        for tag in getattr(info, "tags", None) or []:
            if isinstance(tag, str) and tag.startswith("license:"):
                return tag.removeprefix("license:")
    return license_
