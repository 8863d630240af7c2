"""Files the suite keeps for a failing test (browser traces, screenshots): scrubbed of secrets, for their owner only.

A Playwright trace is a zip of JSON event logs, network logs and the resources they point at (request and
response bodies, DOM snapshots, page sources). Every member is rewritten through the settings' redactor,
widened to the encodings a browser writes (``Redactor.encoded``), so a password shows as ``****`` wherever
it landed: typed into a field, in a form body, echoed by a page. Rewriting what was recorded is kept over
recording less (no typed values, no login bodies): it does not depend on knowing every route, field and
trace format through which a secret can reach the file. Pixels are not read: a secret a page shows as text
stays in its screenshots.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from .files import make_private, write_atomically
from .redaction import Redactor


def keep_private(path: Path, redact: Redactor, root: Path) -> None:
    """Rewrite a kept file with every secret masked (each member of a zip), 0600, its folders up to ``root`` 0700."""
    path = Path(path)
    redact = redact.encoded()
    if redact:
        write_atomically(path, _scrubbed_zip(path, redact) if zipfile.is_zipfile(path) else _scrubbed(path, redact))
    make_private(path, root)


def _scrubbed(path: Path, redact: Redactor) -> bytes:
    return redact.scrub_bytes(path.read_bytes())


def _scrubbed_zip(path: Path, redact: Redactor) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for member in source.infolist():
            target.writestr(member, redact.scrub_bytes(source.read(member)))
    return buffer.getvalue()
