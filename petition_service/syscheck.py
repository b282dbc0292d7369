"""The system packages the service needs: checked, and installed where that is allowed.

Two uses, both from the Makefile:

- ``python3 -I petition_service/syscheck.py --install`` (`make install`, before `.venv/`
  exists, so this file uses the standard library only): installs the Debian packages that
  are missing, as root or through passwordless sudo; anywhere else it prints the one
  apt-get command that does and fails. When nothing is missing it changes nothing.
- ``python -m petition_service.syscheck`` (`make run`): checks that WeasyPrint loads its
  libraries and that every file of the letters' font set is there, and says what to
  install if not, before anything fails halfway through a start.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys

#: Debian packages the service itself needs, and why (README, "Two commands").
SYSTEM_PACKAGES = {
    "libpango-1.0-0": "WeasyPrint lays the letters out with Pango",
    "libpangoft2-1.0-0": "Pango's FreeType and fontconfig backend",
    "libharfbuzz-subset0": "WeasyPrint's font subsetting",
    "fonts-noto-core": "the letters' fonts, every script but Han, kana and Hangul",
    "fonts-noto-cjk": "the letters' fonts for Han, kana and Hangul",
}
# WeasyPrint needs Pango >= 1.44 (and HarfBuzz's subsetter to embed small fonts).
REQUIRED_LIBRARIES = {
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz-subset": "libharfbuzz-subset0",
}


def missing_packages() -> list[str]:
    """The packages of `SYSTEM_PACKAGES` dpkg does not list as installed ([] off Debian)."""
    if shutil.which("dpkg-query") is None:
        return []
    result = subprocess.run(  # noqa: S603
        ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n", *SYSTEM_PACKAGES],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    installed = {
        line.split()[0] for line in result.stdout.splitlines() if line.endswith(" installed")
    }
    return [package for package in SYSTEM_PACKAGES if package not in installed]


def install_command(packages: list[str]) -> str:
    return f"sudo apt-get install -y --no-install-recommends {' '.join(packages)}"


def _privileged() -> list[str] | None:
    """How to run apt-get: directly as root, through passwordless sudo, or not at all."""
    if os.geteuid() == 0:
        return []
    if (
        shutil.which("sudo")
        and subprocess.run(  # noqa: S603
            ["sudo", "-n", "true"],  # noqa: S607
            capture_output=True,
            check=False,
        ).returncode
        == 0
    ):
        return ["sudo", "-n"]
    return None


def install(packages: list[str]) -> int:
    prefix = _privileged()
    if prefix is None or shutil.which("apt-get") is None:
        print("These system packages are missing:", file=sys.stderr)
        for package in packages:
            print(f"  {package}: {SYSTEM_PACKAGES[package]}", file=sys.stderr)
        print(f"Install them with:\n  {install_command(packages)}", file=sys.stderr)
        return 1
    print(f"Installing Debian packages: {' '.join(packages)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = [*prefix, "apt-get", "-q", "-y", "-o", "Dpkg::Use-Pty=0"]
    command = [*apt, "install", "--no-install-recommends", *packages]
    if subprocess.run(command, env=env, check=False).returncode != 0:  # noqa: S603
        # Package lists may be missing (a fresh container) or stale: fetch them, try again.
        subprocess.run([*apt, "update"], env=env, check=False)  # noqa: S603
        if subprocess.run(command, env=env, check=False).returncode != 0:  # noqa: S603
            print(f"apt-get could not install: {' '.join(packages)}", file=sys.stderr)
            return 1
    return 0


def _missing_libraries() -> list[str]:
    return [
        package for lib, package in REQUIRED_LIBRARIES.items() if not ctypes.util.find_library(lib)
    ]


def check() -> int:
    """Everything `make run` needs from the system, or a message saying what to install."""
    missing = _missing_libraries()
    if missing:
        print("Missing system libraries needed to render letters (WeasyPrint):", file=sys.stderr)
        print(f"Install them with:\n  {install_command(missing)}", file=sys.stderr)
        return 1
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # a library is present but unusable (e.g. too old a Pango)
        print(f"WeasyPrint cannot load its system libraries: {exc}", file=sys.stderr)
        print(f"Install them with:\n  {install_command(list(REQUIRED_LIBRARIES.values()))}",
              file=sys.stderr)  # fmt: skip
        return 1
    from petition_service.letters.fonts import FontsMissing, check_installed

    try:
        check_installed()
    except FontsMissing as exc:
        print(f"The letters' fonts are not all installed: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    if "--install" in argv:
        missing = missing_packages()
        return install(missing) if missing else 0
    return check()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
