#!/usr/bin/env python3
"""The browser calculator in a real Chromium (`just web-test`, docs/web.md).

Serves web/dist on 127.0.0.1 (python's http.server), starts the
distribution's Chromium headless with a DevTools port and drives the page
over the DevTools protocol through a minimal WebSocket client written here
on the standard library (no package to install). Checks:

- OPT-13B with the OPT family: N* reads 117.3M (FLOP model) and 197.8M
  (latency:h200-graph), the values `sdsl predict` prints (README);
- changing an input (the batch size) changes N*, the plot and the URL;
- a shared URL restores the state and the result;
- bad input (empty, negative, non-numeric, out-of-range) shows a message
  next to the field and leaves the page standing;
- hovering the plot shows N, α, γ, S;
- the console has no errors or exceptions, and every request goes to
  127.0.0.1 (the page needs no network beyond its own files).

Saves a screenshot (default target/web-test/screenshot.png) and prints the
page's own timing (wasm load, first result; measured, not asserted).

Usage: browser_test.py [--dist web/dist] [--out target/web-test] [--chromium chromium]
"""

import argparse
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    """The client half of RFC 6455, enough for the DevTools protocol:
    text frames, masked, no extensions; continuation frames reassembled."""

    def __init__(self, url):
        assert url.startswith("ws://"), url
        hostport, _, path = url[len("ws://"):].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (
            f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("handshake closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(head.decode(errors="replace"))

    def send(self, text):
        data = text.encode()
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return buf

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._exact(8))[0]
            payload = self._exact(n)
            op = b0 & 0x0F
            if op == 0x8:
                raise ConnectionError("closed by the browser")
            if op in (0x9, 0xA):  # ping/pong: ignored (DevTools does not ping)
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()


class Page:
    """One DevTools session: commands with ids, events kept."""

    def __init__(self, ws_url):
        self.ws = WebSocket(ws_url)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        me = self.next_id
        self.ws.send(json.dumps({"id": me, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == me:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expr, timeout=20.0):
        end = time.time() + timeout
        while time.time() < end:
            if self.eval(expr):
                return
            time.sleep(0.05)
        raise TimeoutError(expr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, timeout=20.0):
    end = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return json.load(r)
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.1)


FAILURES = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        FAILURES.append(what)


def set_field(page, field, value):
    """Types into a field (or picks a menu entry) the way a user does: the
    value, then the input and change events the page listens to."""
    page.eval(
        f"(() => {{ const e = document.getElementById({json.dumps(field)}); e.value = {json.dumps(value)};"
        " e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )


def text(page, id_):
    return page.eval(f"document.getElementById({json.dumps(id_)}).textContent")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dist", default="web/dist")
    ap.add_argument("--out", default="target/web-test")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    http_port, cdp_port = free_port(), free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(http_port), "--bind", "127.0.0.1", "--directory", args.dist],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    profile = tempfile.mkdtemp(prefix="sdsl-web-test-")
    browser = subprocess.Popen(
        [
            args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--mute-audio",
            f"--remote-debugging-port={cdp_port}", f"--user-data-dir={profile}", "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{http_port}/"
        targets = get_json(f"http://127.0.0.1:{cdp_port}/json/list")
        ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        page = Page(ws_url)
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=1280, height=1000, deviceScaleFactor=1, mobile=False)
        # wait for the server to answer
        end = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(base, timeout=2).read()
                break
            except OSError:
                if time.time() > end:
                    raise
                time.sleep(0.1)

        def load(url):
            page.call("Page.navigate", url="about:blank")
            page.call("Page.navigate", url=url)
            try:
                page.wait_for("document.body && document.body.dataset.ready === 'true'")
            except TimeoutError:
                print("page did not start:", page.eval("document.body ? document.body.innerText.slice(0, 400) : 'no body'"))
                print("events:", json.dumps([e for e in page.events if e["method"] in ("Runtime.exceptionThrown", "Runtime.consoleAPICalled", "Log.entryAdded", "Network.loadingFailed")])[:3000])
                raise

        # 1. OPT-13B with the OPT family, chosen in the menus
        load(base)
        set_field(page, "target", "OPT-13B")
        set_field(page, "draft_family", "OPT")
        set_field(page, "cost_model", "params")
        check(text(page, "out-nstar") == "117.3M", f"FLOP model: N* = {text(page, 'out-nstar')} (want 117.3M)")
        flop_curve = page.eval("document.querySelector('#plot polyline').getAttribute('points')")
        set_field(page, "cost_model", "h200-graph")
        check(text(page, "out-nstar") == "197.8M", f"H200 graph: N* = {text(page, 'out-nstar')} (want 197.8M)")
        h200_curve = page.eval("document.querySelector('#plot polyline').getAttribute('points')")
        check(h200_curve != flop_curve, "the plot changes with the cost model")
        check("cost_model=h200-graph" in page.eval("location.hash"), f"URL: {page.eval('location.hash')}")
        check(page.eval("document.querySelectorAll('#drafts tbody tr').length") == 4, "four OPT drafts in the table")
        check(text(page, "out-ms").endswith("ms"), f"ms per token shown: {text(page, 'out-ms')}")

        # 2. change an input: the batch size
        set_field(page, "batch", "8")
        n8 = text(page, "out-nstar")
        curve8 = page.eval("document.querySelector('#plot polyline').getAttribute('points')")
        check(n8 != "197.8M", f"batch 8: N* = {n8} (changed)")
        check(curve8 != h200_curve, "the plot changes with the batch size")
        shared = page.eval("location.href")
        check("batch=8" in shared, f"URL carries the batch: {shared}")

        # 3. the shared URL, opened afresh, restores the state and the result
        load(shared)
        check(page.eval("document.getElementById('cost_model').value") == "h200-graph", "shared URL: cost model restored")
        check(page.eval("document.getElementById('batch').value") == "8", "shared URL: batch restored")
        check(text(page, "out-nstar") == n8, f"shared URL: N* = {text(page, 'out-nstar')} (want {n8})")
        check(page.eval("document.querySelector('#plot polyline').getAttribute('points')") == curve8, "shared URL: same plot")

        # 4. hover the plot
        box = page.eval("(() => { const b = document.getElementById('plot').getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; })()")
        page.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0] + box[2] * 0.45, y=box[1] + box[3] * 0.5)
        tip = text(page, "tooltip")
        check(all(k in tip for k in ("N =", "α =", "γ =", "S =")), f"hover: {tip}")

        # 5. bad input: a message next to the field, the page stays
        set_field(page, "target", "custom")
        set_field(page, "target_tokens", "180B")
        for value, what in [("", "empty"), ("-13e9", "negative"), ("abc", "non-numeric"), ("5000", "too small")]:
            set_field(page, "target_params", value)
            msg = text(page, "err-target_params")
            check(bool(msg), f"target parameters {what} ({value!r}): {msg!r}")
        set_field(page, "target_params", "13B")
        check(text(page, "err-target_params") == "", "a valid size clears the message")
        set_field(page, "draft_family", "custom")
        set_field(page, "draft_sizes", "125M, 20B")
        msg = text(page, "err-draft_sizes")
        check("not smaller than the target" in msg, f"draft size out of range: {msg!r}")
        set_field(page, "draft_sizes", "125M, 350M")
        check(text(page, "err-draft_sizes") == "" and text(page, "out-nstar") not in ("", "…"), "valid sizes give a result")
        set_field(page, "batch", "0")
        check(bool(text(page, "err-batch")), f"batch 0: {text(page, 'err-batch')!r}")
        check(page.eval("document.getElementById('headline') !== null && document.body.innerText.length > 200"), "the page is not blank")

        # 6. the screenshot: OPT-13B, OPT drafts, measured H200, hovering near N*
        load(base + "#target=OPT-13B&draft_family=OPT&cost_model=h200-graph")
        box = page.eval("(() => { const b = document.getElementById('plot').getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; })()")
        page.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0] + box[2] * 0.40, y=box[1] + box[3] * 0.5)
        shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path = os.path.join(args.out, "screenshot.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"screenshot: {path}")
        timing = page.eval("window.sdslTiming")
        print(
            "timing (this load): wasm ready {:.1f} ms after the module started, first result {:.1f} ms after that, {:.0f} ms after navigation start".format(
                timing["wasm_ready"] - timing["start"], timing["first_result"] - timing["wasm_ready"], timing["first_result"]
            )
        )

        # 7. the console and the network
        page.call("Runtime.evaluate", expression="1")  # flush pending events
        errors = [
            e for e in page.events
            if e["method"] == "Runtime.exceptionThrown"
            or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
            or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
        ]
        check(not errors, f"console: {len(errors)} errors/exceptions" + (f": {json.dumps(errors)[:800]}" if errors else ""))
        urls = [e["params"]["request"]["url"] for e in page.events if e["method"] == "Network.requestWillBeSent"]
        foreign = [u for u in urls if not (u.startswith(base) or u.startswith("data:") or u == "about:blank")]
        check(bool(urls) and not foreign, f"{len(urls)} requests, all to 127.0.0.1" + (f"; others: {foreign}" if foreign else ""))
    finally:
        browser.terminate()
        server.terminate()
        browser.wait(timeout=10)
        server.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("browser test: all checks passed")


if __name__ == "__main__":
    main()
