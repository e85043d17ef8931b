"""The deployment files (workflow_app/operations/deploy/, README "Deployment") are read by
the tools that will read them on a server: `systemd-analyze verify` for the units, and
`nginx -t` for the site, with a certificate made here. Without those tools the tests are
skipped, saying why, unless KAOHE_REQUIRE_DEPLOY_TOOLS=1 (CI), which makes it a failure."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workflow_app import limits

DEPLOY = Path(__file__).resolve().parent.parent / "workflow_app" / "operations" / "deploy"
UNITS = ["kaohe-web.service", "kaohe-scheduler.service", "kaohe-dispatcher.service",
         "kaohe-backup.service", "kaohe-backup.timer"]
SERVICES = [name for name in UNITS if name.endswith(".service")]
VENV_BIN = "/opt/kaohe/venv/bin/"
HARDENING = ["User=kaohe", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
             "ReadWritePaths=/var/lib/kaohe", "EnvironmentFile=/etc/kaohe/kaohe.env"]


def tool(name, package):
    found = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None)
    if found:
        return found
    reason = f"{name} is not installed (apt-get install {package})"
    if os.environ.get("KAOHE_REQUIRE_DEPLOY_TOOLS") == "1":
        pytest.fail(f"KAOHE_REQUIRE_DEPLOY_TOOLS=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def programs_here(tmp_path):
    """The venv's programs as the units name them: this interpreter's flask, and its
    gunicorn (the prod extra) or, where it is not installed, a stand-in that exists."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("flask", "gunicorn"):
        real = Path(sys.executable).parent / name
        if real.exists():
            (bin_dir / name).symlink_to(real)
        else:
            (bin_dir / name).write_text("#!/bin/sh\nexit 0\n")
            (bin_dir / name).chmod(0o755)
    return bin_dir


def test_units_pass_systemd_analyze_verify(tmp_path):
    analyze = tool("systemd-analyze", "systemd")
    bin_dir = programs_here(tmp_path)
    rendered = []
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace(VENV_BIN, f"{bin_dir}/")
        (tmp_path / name).write_text(text)
        rendered.append(str(tmp_path / name))
    done = subprocess.run([analyze, "verify", "--man=no", *rendered], capture_output=True,
                          text=True, check=False, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "kaohe-" not in output, output  # no warning about any of ours either


def test_units_are_hardened_and_run_the_right_commands():
    for name in SERVICES:
        text = (DEPLOY / name).read_text()
        for line in HARDENING:
            assert re.search(rf"^{re.escape(line)}\b", text, re.M), (name, line)
    assert "flask --app workflow_app scheduler" in (DEPLOY / "kaohe-scheduler.service").read_text()
    assert "flask --app workflow_app dispatcher" in (
        DEPLOY / "kaohe-dispatcher.service").read_text()
    web = (DEPLOY / "kaohe-web.service").read_text()
    assert "--bind 127.0.0.1:8000" in web and "'workflow_app:create_app()'" in web
    # Metrics of all workers added up, exited workers marked (README, Operations).
    assert "-c /opt/kaohe/app/workflow_app/operations/deploy/gunicorn.conf.py" in web
    assert "PROMETHEUS_MULTIPROC_DIR=/run/kaohe/metrics" in web
    assert "def child_exit(" in (DEPLOY / "gunicorn.conf.py").read_text()
    backup = (DEPLOY / "kaohe-backup.service").read_text()
    assert "backup --output" in backup and "ReadWritePaths=/var/lib/kaohe /var/backups/kaohe" \
        in backup
    assert "OnCalendar=" in (DEPLOY / "kaohe-backup.timer").read_text()


def test_the_environment_file_example_holds_no_secret():
    values = dict(line.split("=", 1) for line in (DEPLOY / "kaohe.env.example").read_text()
                  .splitlines() if line and not line.startswith("#"))
    assert values["SECRET_KEY"] == "" and values["AUDIT_KEY"] == ""
    assert "CHANGE-ME" in values["DATABASE_URL"] and values["TRUST_PROXY_HEADERS"] == "1"


def test_nginx_site_passes_nginx_t(tmp_path):
    nginx = tool("nginx", "nginx")
    openssl = tool("openssl", "openssl")
    key, cert = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=kaohe.example.gov.cn", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "kaohe-nginx.conf").read_text()
    site = site.replace("/etc/ssl/kaohe/fullchain.pem", str(cert)).replace(
        "/etc/ssl/kaohe/privkey.pem", str(key))
    (tmp_path / "kaohe.conf").write_text(site)
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp_path}/{kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"events {{}}\nhttp {{\n    access_log off;\n{temp_paths}\n"
        f"    include {tmp_path}/kaohe.conf;\n}}\n")
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
         "-e", str(tmp_path / "error.log"),
         "-g", f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;"],
        capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_nginx_site_forwards_what_the_app_reads():
    site = (DEPLOY / "kaohe-nginx.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert size and int(size.group(1)) * 1024 * 1024 == limits.REPORT_FORM_BODY
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header} " in site
    assert "return 301 https://" in site and "proxy_pass http://kaohe_web;" in site
    assert "server 127.0.0.1:8000;" in site
