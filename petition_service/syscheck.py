"""`python -m petition_service.syscheck`: say which system library is missing, and how to
install it, before anything fails halfway through a start."""

from __future__ import annotations

import ctypes.util
import sys

# WeasyPrint needs Pango >= 1.44 (and HarfBuzz's subsetter to embed small fonts).
REQUIRED_LIBRARIES = {
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz-subset": "libharfbuzz-subset0",
}


def missing_packages() -> list[str]:
    return [
        package for lib, package in REQUIRED_LIBRARIES.items() if not ctypes.util.find_library(lib)
    ]


def main() -> int:
    missing = missing_packages()
    if missing:
        print("Missing system libraries needed to render letters (WeasyPrint):", file=sys.stderr)
        print(f"  {' '.join(missing)}", file=sys.stderr)
        print(f"Install them with:\n  sudo apt-get install -y {' '.join(missing)}", file=sys.stderr)
        return 1
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # a library is present but unusable (e.g. too old a Pango)
        print(f"WeasyPrint cannot load its system libraries: {exc}", file=sys.stderr)
        packages = " ".join(REQUIRED_LIBRARIES.values())
        print(f"Install them with:\n  sudo apt-get install -y {packages}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
