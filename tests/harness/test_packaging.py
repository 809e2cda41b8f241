"""The harness as a user installs it: a wheel built from the project, installed (not editable) into a fresh venv,
runs `calcom-e2e` and `pytest --pyargs e2e.flow_suite` from a folder that is not the checkout; and the pytest
plugin, installed, leaves any other pytest run alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.harness.harness_run import clean_env

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "README.md", "e2e", "pages"]  # what the build reads (no build/ or egg-info left over)


def run(command: list[str | Path], cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    env = clean_env(XDG_CACHE_HOME=str(cwd / "cache"))
    env.pop("PYTHONPATH", None)
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def installed_venv(tmp_path: Path) -> Path:
    """A fresh venv holding the project's wheel (built from a copy of the sources, as pip builds a checkout).
    Its dependencies are the running environment's, seen through a .pth line (offline, no download): that line
    adds the folder alone, so the running environment's own .pth files (an editable install's) are not read."""
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", source], tmp_path)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("calcom_oauth_e2e-*.whl")
    venv = tmp_path / "venv"
    made = run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path).stdout.strip()
    Path(site, "calcom_e2e_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel], tmp_path
    )
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]
    return venv


def test_the_installed_package_runs_the_flow_suite_from_any_folder(tmp_path):
    venv = installed_venv(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    suite = run(
        [venv / "bin" / "python", "-c", "from e2e.paths import FLOW_SUITE; print(FLOW_SUITE)"], elsewhere
    ).stdout.strip()
    assert Path(suite).is_relative_to(venv), suite  # the installed copy, not the checkout's

    rules = run([venv / "bin" / "calcom-e2e", "--list-rules"], elsewhere)
    assert rules.returncode == 0 and "exchange.returns_keys" in rules.stdout, rules.stdout + rules.stderr

    smoke = run([venv / "bin" / "calcom-e2e", "--smoke", "--persona", "reference"], elsewhere)
    output = smoke.stdout[-3000:] + smoke.stderr[-2000:]
    assert smoke.returncode == 0, output
    assert f"rootdir: {suite}" in smoke.stdout and "checks: 9 passed, 0 failed" in smoke.stdout, output
    assert (elsewhere / "test-results" / "report.html").is_file()

    options = ["-m", "smoke", "--sandbox-persona", "reference", "--checks-report", "-p", "no:cacheprovider"]
    pyargs = run([venv / "bin" / "python", "-m", "pytest", "--pyargs", "e2e.flow_suite", *options], elsewhere)
    assert pyargs.returncode == 0, pyargs.stdout[-3000:] + pyargs.stderr[-2000:]
    assert "checks: 9 passed, 0 failed" in pyargs.stdout, pyargs.stdout[-3000:]
    # the release check covers both flows: the OAuth2 provider's consent page too, configured by the sandbox
    assert "PASS   oauth2.consent.allow_redirects_with_code" in pyargs.stdout, pyargs.stdout[-3000:]


def test_an_unrelated_pytest_run_is_left_alone(tmp_path):
    """Installed, the plugin adds its options to every pytest run and nothing else: no target read (this .env
    would be a configuration error), no sandbox, none of its fixtures in the way (`settings` is pytest-django's
    name too, `page` pytest-playwright's), no reports written."""
    (tmp_path / ".env").write_text("CAL_CLIENT_ID=only-half-a-target\n")
    (tmp_path / "test_other.py").write_text(
        "import pytest\n"
        "\n"
        "def test_other(pytestconfig, request):\n"
        "    assert pytestconfig.pluginmanager.has_plugin('calcom_e2e')  # loaded through its entry point\n"
        "    assert not pytestconfig.pluginmanager.has_plugin('calcom-e2e-suite')\n"
        "    for name in ('settings', 'sandbox', 'signed_in_page'):\n"
        "        with pytest.raises(pytest.FixtureLookupError):\n"
        "            request.getfixturevalue(name)\n"
    )
    result = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_other.py"], tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert not (tmp_path / "test-results").exists() and not list(tmp_path.rglob("junit.xml"))
    helped = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--help"], tmp_path)
    assert "calcom-e2e:" in helped.stdout and "--sandbox-persona" in helped.stdout
