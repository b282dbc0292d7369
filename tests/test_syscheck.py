"""The set-up's system check: what make install installs, and what it says where it cannot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from petition_service import syscheck

SCRIPT = Path(syscheck.__file__)


def test_the_runtime_packages_include_the_letters_fonts():
    assert {"fonts-noto-core", "fonts-noto-cjk", "libharfbuzz-subset0"} <= set(
        syscheck.SYSTEM_PACKAGES
    )


@pytest.mark.skipif(not syscheck.shutil.which("dpkg-query"), reason="not a Debian system")
def test_a_second_install_finds_nothing_missing_and_changes_nothing():
    # As make install runs it: the system's Python, isolated, before .venv/ exists.
    result = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), "--install"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


def test_without_root_or_sudo_it_prints_the_one_command_and_fails(monkeypatch, capsys):
    monkeypatch.setattr(syscheck, "_privileged", lambda: None)
    assert syscheck.install(["fonts-noto-core", "fonts-noto-cjk"]) == 1
    err = capsys.readouterr().err
    assert "fonts-noto-core: the letters' fonts" in err
    assert "sudo apt-get install -y --no-install-recommends fonts-noto-core fonts-noto-cjk" in err


def test_make_run_check_passes_with_the_libraries_and_fonts_installed():
    assert syscheck.check() == 0
