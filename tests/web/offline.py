"""A Chromium that reaches only the loopback, as in a field office without internet.

Two locks: every host but 127.0.0.1 is unresolvable (``--host-resolver-rules``), and every
request to another host is aborted and recorded by Playwright's routing, so a test can
say both that the page worked and that it tried nothing else.
"""

from __future__ import annotations

from urllib.parse import urlsplit

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
OFFLINE_FLAG = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def block_other_hosts(context: object, blocked: list[str]) -> None:
    """Abort, and append to ``blocked``, every request of ``context`` (a Playwright browser
    context) that leaves the loopback."""

    def only_loopback(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", only_loopback)  # type: ignore[attr-defined]
