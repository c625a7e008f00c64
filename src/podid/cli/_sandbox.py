"""``podid sandbox start|stop|status|env``: run the local Azure + AKS in the background and point tools at it.

Its ports come from flags (``--arm-port`` …), else the environment (``PODID_ARM_PORT`` …), else the ports it had
before in the same data dir (a sandbox restarted after a crash keeps its URLs, so kubeconfigs and ``podid sandbox
env`` exports stay valid, and clusters created afterwards get API server ports from the same base), else the
defaults. A port in use is named with the setting that changes it.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests
from rich.console import Console
from rich.table import Table

from podid.cli import _azlogin
from podid.cli._common import CliError, Result, data_dir

ENDPOINTS_FILE = "endpoints.json"
PORTS_FILE = "ports.json"  # what a start chose that endpoints.json does not show: the API servers' port base
LOG_FILE = "sandbox.log"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
NOT_RUNNING = "no sandbox is running in {directory}: `podid sandbox start` (or `podid up`) starts one"


class Port(NamedTuple):
    setting: str  # the argparse dest, and the sandbox's own flag
    variable: str
    label: str

    @property
    def flag(self) -> str:
        return "--" + self.setting.replace("_", "-")


KUBE_PORT_BASE = "kube_port_base"
PORTS = (
    Port("arm_port", "PODID_ARM_PORT", "ARM"),
    Port("imds_port", "PODID_IMDS_PORT", "IMDS"),
    Port("dns_port", "PODID_DNS_PORT", "DNS"),
    Port(KUBE_PORT_BASE, "PODID_KUBE_PORT_BASE", "Kubernetes API servers from"),
    Port("proxy_port", "PODID_PROXY_PORT", "proxy"),
)


def read_endpoints(directory: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads((directory / ENDPOINTS_FILE).read_text()))
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def answers(endpoints: dict[str, Any]) -> bool:
    """Whether the sandbox's ARM endpoint serves (a stale endpoints.json points at nothing)."""
    url = endpoints["arm_url"].rstrip("/") + "/metadata/endpoints?api-version=2022-09-01"
    try:
        with requests.Session() as session:
            session.trust_env = False  # a local endpoint: proxy variables do not apply
            response = session.get(url, verify=endpoints["ca_cert"], timeout=2)
    except requests.RequestException:
        return False
    return response.status_code == 200


def running(directory: Path) -> dict[str, Any] | None:
    """The endpoints of the sandbox serving from ``directory``, or None."""
    endpoints = read_endpoints(directory)
    if endpoints and _alive(int(endpoints.get("pid", 0))) and answers(endpoints):
        return endpoints
    return None


def require_running(directory: Path) -> None:
    """Commands that only read or change what exists never start a sandbox: they say none runs."""
    endpoints = read_endpoints(directory)
    if endpoints is None or not _alive(int(endpoints.get("pid", 0))):
        raise CliError(NOT_RUNNING.format(directory=directory))


def _previous_ports(directory: Path) -> dict[str, int]:
    """The ports the sandbox of this data dir published last time (none for "any free port": it had none), and
    the API servers' port base its start recorded (0, "any free port", included: it is no port of its own)."""
    endpoints = read_endpoints(directory) or {}
    found = {
        "arm_port": urlsplit(endpoints.get("arm_url") or "").port,
        "imds_port": urlsplit(endpoints.get("imds_url") or "").port,
        "dns_port": endpoints.get("dns_port"),
        "proxy_port": urlsplit(endpoints.get("proxy_url") or "").port,
    }
    try:
        recorded = {KUBE_PORT_BASE: int(json.loads((directory / PORTS_FILE).read_text())[KUBE_PORT_BASE])}
    except (OSError, ValueError, KeyError, TypeError):
        recorded = {}
    return {name: int(port) for name, port in found.items() if port} | recorded


def _prepare(args: argparse.Namespace, directory: Path) -> None:
    """Name a port in use before anything starts, and record the API servers' base for the next start."""
    ports = chosen_ports(args, directory)
    _check_free(getattr(args, "host", None) or "127.0.0.1", ports)
    if KUBE_PORT_BASE in ports:
        (directory / PORTS_FILE).write_text(json.dumps({KUBE_PORT_BASE: ports[KUBE_PORT_BASE]}))


def chosen_ports(args: argparse.Namespace, directory: Path) -> dict[str, int]:
    """Each port a flag, the environment or the previous run chose (the sandbox's defaults for the rest)."""
    chosen = _previous_ports(directory)
    for port in PORTS:
        flag, variable = getattr(args, port.setting, None), os.environ.get(port.variable)
        if flag is not None:
            chosen[port.setting] = flag
        elif variable:
            try:
                chosen[port.setting] = int(variable)
            except ValueError:
                raise CliError(f"{port.variable}={variable!r} is not a port number", exit_code=2) from None
    return chosen


def _check_free(host: str, ports: dict[str, int]) -> None:
    """Name a port in use, and how to choose another, before the sandbox fails on it."""
    from podid.sandbox._config import DEFAULT_ARM_PORT, DEFAULT_DNS_PORT, DEFAULT_IMDS_PORT

    defaults = {
        "arm_port": DEFAULT_ARM_PORT,
        "imds_port": DEFAULT_IMDS_PORT,
        "dns_port": DEFAULT_DNS_PORT,
        "proxy_port": 0,  # any free one, the first time
    }
    for port in PORTS:
        number = ports.get(port.setting, defaults.get(port.setting, 0))
        kinds = (socket.SOCK_STREAM, socket.SOCK_DGRAM) if port.setting == "dns_port" else (socket.SOCK_STREAM,)
        if port.setting in defaults and number and not all(_bindable(host, number, kind) for kind in kinds):
            raise CliError(
                f"port {number} ({port.label}) is in use: choose another with {port.flag} or {port.variable}"
            )


def _bindable(host: str, number: int, kind: socket.SocketKind) -> bool:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the sandbox binds: TIME_WAIT is no clash
        try:
            probe.bind((host, number))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def _spawn_arguments(args: argparse.Namespace, directory: Path) -> list[str]:
    command = [sys.executable, "-m", "podid.sandbox", "--data-dir", str(directory)]
    options = {
        "host": getattr(args, "host", None),
        **chosen_ports(args, directory),
        "seed": getattr(args, "seed", None),
        "nmi_mode": getattr(args, "nmi_mode", None),
    }
    for option, value in options.items():
        if value is not None:
            command += ["--" + option.replace("_", "-"), str(value)]
    command += ["--dns-rate-limits"] if getattr(args, "dns_rate_limits", False) else []
    command += ["--nmi-wait"] if getattr(args, "nmi_wait", False) else []
    command += ["--nmi-retry-after"] if getattr(args, "nmi_retry_after", False) else []
    return command


def _log_tail(path: Path) -> str:
    try:
        lines = [line for line in path.read_text().splitlines() if line.strip()]
    except OSError:
        return "no log"
    return lines[-1] if lines else "no log"


def start_background(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    """Spawn the sandbox detached and wait until it has published its endpoints and ARM answers."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # the sandbox's secrets go there: the user's alone
    _prepare(args, directory)
    log_path = directory / LOG_FILE
    with os.fdopen(os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab") as log:
        child = subprocess.Popen(
            _spawn_arguments(args, directory),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # survives the terminal that started it
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise CliError(f"the sandbox exited with code {child.returncode}: {_log_tail(log_path)} (log: {log_path})")
        endpoints = read_endpoints(directory)
        if endpoints and endpoints.get("pid") == child.pid and answers(endpoints):
            return endpoints
        time.sleep(0.05)
    child.terminate()
    raise CliError(f"the sandbox did not answer within {START_TIMEOUT:.0f} s (log: {log_path})")


def ensure_running(args: argparse.Namespace) -> dict[str, Any]:
    """The running sandbox's endpoints, starting it in the background first if needed (`podid up`)."""
    directory = data_dir(args)
    return running(directory) or start_background(args, directory)


def _status_data(directory: Path, endpoints: dict[str, Any] | None, is_running: bool) -> dict[str, Any]:
    if endpoints is None:
        return {"running": False, "dataDir": str(directory)}
    operator = endpoints["operator"]
    return {
        "running": is_running,
        "pid": endpoints.get("pid") if is_running else None,
        "dataDir": str(directory),
        "tenantId": endpoints["tenant_id"],
        "subscriptionId": endpoints["subscription_id"],
        "operator": {"clientId": operator["client_id"], "objectId": operator["object_id"]},
        "endpoints": {
            "resourceManager": endpoints["arm_url"],
            "authority": endpoints["authority"],
            "imds": endpoints.get("imds_url") or None,
            "dns": f"{endpoints['dns_host']}:{endpoints['dns_port']}" if endpoints.get("dns_port") else None,
            "proxy": endpoints.get("proxy_url") or None,  # Azure's own hostnames (podid sandbox env --proxy)
        },
        "caBundle": endpoints["ca_bundle"],
    }


def _show_status(data: dict[str, Any], exit_code: int = 0) -> Result:
    def show(console: Console) -> None:
        state = "[green]running[/]" if data["running"] else "[red]not running[/]"
        table = Table.grid(padding=(0, 2))
        table.add_row("sandbox", f"{state}" + (f" (pid {data['pid']})" if data.get("pid") else ""))
        table.add_row("data dir", data["dataDir"])
        for label, key in (("tenant", "tenantId"), ("subscription", "subscriptionId")):
            if key in data:
                table.add_row(label, data[key])
        if "operator" in data:
            table.add_row("operator client id", data["operator"]["clientId"])
            for name, url in data["endpoints"].items():
                table.add_row(name, url or "-")
        console.print(table)

    return Result(data, show, exit_code)


def _announce(args: argparse.Namespace, directory: Path) -> None:
    """What `sandbox status` shows, once this process serves (the foreground sandbox publishes its endpoints)."""
    from podid.cli._main import _print

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        endpoints = read_endpoints(directory)
        if endpoints and endpoints.get("pid") == os.getpid() and answers(endpoints):
            _print(_show_status(_status_data(directory, endpoints, True)), args)
            sys.stdout.flush()
            return
        time.sleep(0.05)


def cmd_start(args: argparse.Namespace) -> Result | None:
    directory = data_dir(args)
    if args.foreground:
        from podid.sandbox.__main__ import main as serve

        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _prepare(args, directory)
        threading.Thread(target=_announce, args=(args, directory), name="announce", daemon=True).start()
        serve(_spawn_arguments(args, directory)[3:])  # returns after SIGTERM or Ctrl-C
        return None
    endpoints = running(directory) or start_background(args, directory)
    return _show_status(_status_data(directory, endpoints, True))


def cmd_stop(args: argparse.Namespace) -> Result:
    directory = data_dir(args)
    endpoints = read_endpoints(directory)
    pid = int(endpoints.get("pid", 0)) if endpoints else 0
    if pid and _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            raise CliError(f"the sandbox (pid {pid}) did not stop within {STOP_TIMEOUT:.0f} s")
    return _show_status(_status_data(directory, endpoints, False))


def cmd_status(args: argparse.Namespace) -> Result:
    directory = data_dir(args)
    endpoints = read_endpoints(directory)
    is_running = running(directory) is not None
    return _show_status(_status_data(directory, endpoints, is_running), exit_code=0 if is_running else 3)


def cmd_env(args: argparse.Namespace) -> None:
    directory = data_dir(args)
    endpoints = running(directory)
    if endpoints is None:
        raise CliError(NOT_RUNNING.format(directory=directory))
    if args.proxy:
        sys.stdout.write(proxy_exports(endpoints) + dns_exports(endpoints))
        return
    sys.stdout.write(_azlogin.exports(endpoints, directory, use_az=not args.no_az) + dns_exports(endpoints))


def dns_exports(endpoints: dict[str, Any]) -> str:
    """The sandbox's DNS server, for ``dig @"$PODID_DNS_SERVER" -p "$PODID_DNS_SERVER_PORT" <name>``."""
    if not endpoints.get("dns_port"):
        return ""
    variables = {"PODID_DNS_SERVER": endpoints["dns_host"], "PODID_DNS_SERVER_PORT": str(endpoints["dns_port"])}
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in variables.items())


def proxy_exports(endpoints: dict[str, Any]) -> str:
    """Code written for Azure, unchanged: Azure's hostnames through the sandbox's proxy, trusted through its CA,
    and the operator as azure-identity's EnvironmentCredential reads it (no authority, no custom cloud)."""
    if not endpoints.get("proxy_url"):
        raise CliError("this sandbox runs no proxy (it was started by an older podid): restart it")
    bundle, operator = endpoints["ca_bundle"], endpoints["operator"]
    proxies = {
        "HTTPS_PROXY": endpoints["proxy_url"],
        "HTTP_PROXY": endpoints["proxy_url"],
        "NO_PROXY": "127.0.0.1,localhost",
    }
    variables = {
        # both spellings: curl reads only http_proxy for http:// URLs such as IMDS's (the sandbox's own
        # addresses stay direct), https://everything.curl.dev/usingcurl/proxies/env
        **proxies,
        **{name.lower(): value for name, value in proxies.items()},
        "REQUESTS_CA_BUNDLE": bundle,
        "SSL_CERT_FILE": bundle,
        "CURL_CA_BUNDLE": bundle,
        "NODE_EXTRA_CA_CERTS": endpoints["ca_cert"],  # added to Node's own roots
        "AZURE_CLIENT_ID": operator["client_id"],
        "AZURE_TENANT_ID": endpoints["tenant_id"],
        "AZURE_CLIENT_SECRET": operator["client_secret"],
        "AZURE_SUBSCRIPTION_ID": endpoints["subscription_id"],
        # the Azure CLI in its default cloud, its logins kept apart from the user's own ~/.azure
        "AZURE_CONFIG_DIR": str(Path(endpoints["data_dir"]) / "azure-proxy"),
    }
    reset = "unset AZURE_AUTHORITY_HOST\n"  # the sandbox's own address, as `podid sandbox env` exports it
    return reset + "".join(f"export {name}={shlex.quote(value)}\n" for name, value in variables.items())
