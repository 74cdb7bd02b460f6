"""A real headless Chromium (Debian's `chromium`) driven over the DevTools protocol, for tests and the README's
screenshot: open a file, then read every network request it made, every console message and exception, the
DOM (through JavaScript in the page), and take a screenshot. No browser download: the system's chromium only.

    with Chromium(tmp_path) as browser:
        page = browser.open(path)
        assert not page.requests and not page.errors
        browser.evaluate("document.title")
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# As root Chromium needs --no-sandbox; without the background-networking flags it tries to reach Google's
# services (refused on a machine without internet, and noise in any request count).
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
]
START_TIMEOUT = 30.0
CALL_TIMEOUT = 30.0


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageLoad:
    """What opening one page did."""

    url: str
    requests: list[str] = field(default_factory=list)  # every URL requested besides the page itself
    errors: list[str] = field(default_factory=list)  # console errors, uncaught exceptions, CSP violations
    console: list[str] = field(default_factory=list)  # every console message and log entry, any level


class Chromium:
    def __init__(self, workdir: Path, width: int = 1000, height: int = 800):
        self.workdir = Path(workdir)
        self.width, self.height = width, height
        self.process: subprocess.Popen[bytes] | None = None
        self.ws: Any = None
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> Chromium:
        import websocket

        binary = executable()
        if binary is None:
            raise RuntimeError("chromium is not installed (apt-get install -y chromium)")
        profile = self.workdir / "chromium-profile"  # a fresh profile every time: no state from earlier runs
        profile.mkdir(parents=True, exist_ok=True)
        self.log = (self.workdir / "chromium.log").open("wb")
        self.process = subprocess.Popen(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                f"--window-size={self.width},{self.height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.__exit__()
                raise RuntimeError(f"chromium did not start: see {self.workdir / 'chromium.log'}")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=CALL_TIMEOUT) as answer:
            targets = json.load(answer)
        page = next(t for t in targets if t.get("type") == "page")
        # suppress_origin: Chromium refuses DevTools connections that send an Origin it was not told to allow.
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=CALL_TIMEOUT, suppress_origin=True
        )
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=self.width,
            height=self.height,
            deviceScaleFactor=1,
            mobile=self.width < 600,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.ws is not None:
            self.ws.close()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "log", None):
            self.log.close()

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and return its result; events arriving meanwhile are kept in self.events."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + CALL_TIMEOUT
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)
        raise TimeoutError(method)

    def wait_for(self, event: str, timeout: float = CALL_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if "method" in message:
                self.events.append(message)
                if message["method"] == event:
                    return message
        raise TimeoutError(event)

    def settle(self, seconds: float = 0.5) -> None:
        """Collect the events of the next `seconds` (anything a loaded page does late: timers, lazy loads)."""
        self.ws.settimeout(0.05)
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                try:
                    message = json.loads(self.ws.recv())
                except Exception:  # noqa: BLE001 - a receive timeout: nothing arrived in that slice
                    continue
                if "method" in message:
                    self.events.append(message)
        finally:
            self.ws.settimeout(CALL_TIMEOUT)

    def open(self, path: Path) -> PageLoad:
        url = Path(path).resolve().as_uri()
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.settle()
        load = PageLoad(url)
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Network.requestWillBeSent":
                requested = params["request"]["url"]
                if requested != url:
                    load.requests.append(requested)
            elif method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                load.console.append(f"{params.get('type')}: {text}")
                if params.get("type") in ("error", "assert"):
                    load.errors.append(text)
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                load.errors.append(details.get("exception", {}).get("description") or details.get("text", ""))
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                load.console.append(f"{entry.get('level')}: {entry.get('text')}")
                if entry.get("level") == "error":
                    load.errors.append(entry.get("text", ""))
        return load

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            height = int(self.evaluate("document.documentElement.scrollHeight"))
            params["clip"] = {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1}
        data = self.call("Page.captureScreenshot", **params)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)
