"""The release under test, from its manifest: the installer artifacts, and what their signatures must match.

The manifest (TOML) is the release's own list: ``windows_roots``, ``windows_publisher``, ``gpg_public_key``,
``gpg_fingerprint``, ``macos_team_id``, and ``[[artifact]]`` tables with ``path`` (relative to the manifest,
or an http(s) URL), ``platform``, ``sha256``, and ``signature`` (Linux) or ``verification_record`` (macOS).
"""

from __future__ import annotations

import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..errors import ConfigError, TargetAnswerError
from ..redaction import mask_url
from .boundary import http_errors

PLATFORMS = ("windows", "linux", "macos")
MANIFEST_SETTING = "installers_manifest"
DOWNLOAD_TIMEOUT = 60.0


@dataclass(frozen=True)
class Artifact:
    """One installer of the release, fetched to a local file."""

    name: str
    platform: str
    sha256: str
    path: Path
    signature: Path | None = None
    verification_record: Path | None = None


@dataclass(frozen=True)
class Release:
    """The artifacts and the signing facts the manifest pins."""

    artifacts: tuple[Artifact, ...]
    signing: dict[str, str]

    def of(self, platform: str) -> list[Artifact]:
        """The artifacts of one platform."""
        return [artifact for artifact in self.artifacts if artifact.platform == platform]

    def pinned(self, name: str) -> str:
        """A signing fact of the manifest; a ``ConfigError`` naming it when absent."""
        if not self.signing.get(name):
            raise ConfigError(f"the release manifest does not say {name}; add it to the manifest")
        return self.signing[name]


def load_release(manifest: Path, workdir: Path) -> Release:
    """Read the manifest and fetch every artifact it lists (URLs into ``workdir``)."""
    try:
        data = tomllib.loads(Path(manifest).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read the release manifest {manifest}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"the release manifest {manifest} is not valid TOML: {error}") from None
    base = Path(manifest).parent
    artifacts = tuple(_artifact(entry, base, workdir) for entry in data.get("artifact", []))
    if not artifacts:
        raise ConfigError(f"the release manifest {manifest} lists no [[artifact]]")
    signing = {key: str(value) for key, value in data.items() if not isinstance(value, list | dict)}
    for key in ("windows_roots", "gpg_public_key"):
        if key in signing:
            signing[key] = str(_local(signing[key], base, workdir))
    return Release(artifacts, signing)


def _artifact(entry: dict[str, Any], base: Path, workdir: Path) -> Artifact:
    missing = [key for key in ("path", "platform", "sha256") if not entry.get(key)]
    if missing or entry.get("platform") not in PLATFORMS:
        raise ConfigError(
            f"release manifest artifact {entry.get('path', '?')}: needs path, sha256 and a platform of"
            f" {', '.join(PLATFORMS)}"
        )
    optional = {key: _local(entry[key], base, workdir) for key in ("signature", "verification_record") if key in entry}
    return Artifact(
        name=Path(entry["path"]).name,
        platform=entry["platform"],
        sha256=str(entry["sha256"]).lower(),
        path=_local(entry["path"], base, workdir),
        **optional,
    )


def _local(where: str, base: Path, workdir: Path) -> Path:
    if not where.startswith(("http://", "https://")):
        return base / where
    target = Path(tempfile.mkdtemp(dir=workdir)) / where.rstrip("/").rpartition("/")[2]
    download(where, target)
    return target


def download(url: str, target: Path) -> None:
    """Stream ``url`` into the file ``target``; an answer but a success, or one cut short, is a ``TargetError``."""
    with (
        http_errors(url, MANIFEST_SETTING, DOWNLOAD_TIMEOUT),
        httpx.stream("GET", url, follow_redirects=True, timeout=DOWNLOAD_TIMEOUT) as response,
    ):
        if not response.is_success:
            raise TargetAnswerError(
                f"{mask_url(url)} answered HTTP {response.status_code}; check the artifact URL in {MANIFEST_SETTING}"
            )
        with open(target, "wb") as file:
            for chunk in response.iter_bytes():
                file.write(chunk)
