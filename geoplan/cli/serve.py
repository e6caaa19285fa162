"""``geoplan serve``: the planner's workbench, a local web app (:mod:`geoplan.web`).

FastAPI and uvicorn are imported when the command runs, not when the command line starts.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import sys
from pathlib import Path

import click

from geoplan.cli.options import EPILOG, handle_errors

__all__ = ["default_data_dir", "is_loopback", "serve_command"]


def default_data_dir() -> Path:
    """``~/geoplan-data``: where the workbench keeps its plans unless told otherwise."""
    return Path.home() / "geoplan-data"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror}); choose "
                                   "another --port (0 picks a free one)") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@click.command("serve", epilog=EPILOG)
@click.argument("plan", required=False, type=click.Path(exists=True, path_type=Path),
                metavar="[PLAN_OR_FOLDER]")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine (127.0.0.1, localhost, ::1) "
                   "needs the token printed at start on every request.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: a free one).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the plans made in the app, their runs and acceptances "
                   "[default: ~/geoplan-data].")
@click.option("--max-upload-mb", type=click.IntRange(1, 1_000_000), default=512,
              show_default=True, help="Largest upload (one request, and one file), in MB.")
@handle_errors
def serve_command(plan: Path | None, host: str, port: int, data_dir: Path | None,
          max_upload_mb: int) -> None:
    """Start the planner's workbench, a local web app, and print its address.

    Make a plan by dropping its files and mapping their columns (the app writes an ordinary
    plan.toml folder under --data-dir), validate it, run the checks, the coverage and the grid
    audit, review the map and the findings, mark findings accepted, download the report and
    the exports, and compare two plans. PLAN_OR_FOLDER opens a plan folder (or every plan
    folder inside a folder) where it is, read only.

    Everything is served from this machine: no asset is fetched from the internet.
    """
    import uvicorn

    from geoplan.web.app import create_app
    from geoplan.web.store import UploadLimits

    token = None if is_loopback(host) else secrets.token_urlsafe(24)
    folder = (data_dir or default_data_dir()).expanduser()
    limit = max_upload_mb * 1024**2
    app = create_app(folder, token=token, plans=(plan,) if plan else (),
                     limits=UploadLimits(request_bytes=limit, file_bytes=limit))
    sock = _bind(host, port)
    shown_host = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
    url = f"http://{shown_host}:{sock.getsockname()[1]}/"
    click.echo(f"geoplan workbench: {url}" + (f"?token={token}" if token else ""))
    click.echo(f"data folder: {folder.resolve()}")
    if token:
        click.echo(f"token (needed on every request from another machine): {token}")
    click.echo("Ctrl+C stops it.", err=True)
    sys.stdout.flush()
    config = uvicorn.Config(app, log_level="warning", lifespan="off",
                            timeout_graceful_shutdown=3, access_log=False)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        app.workbench.jobs.shutdown()
        sock.close()
