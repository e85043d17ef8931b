"""One rule for every redirect whose target comes from the request (`next`, `back`,
a stored link): only a path on this site, never another host.

Browsers are lenient: `//evil`, `/\\evil` and `/<TAB>/evil` all leave the site
(backslashes count as slashes, tabs and newlines are dropped), `javascript:` runs
script, so anything but a plain absolute path without those is refused.
"""

from urllib.parse import urlsplit


def safe_next(target, fallback):
    """`target` when it is a same-origin relative path ("/…"), else `fallback`."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(c.isspace() or not c.isprintable() for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target
