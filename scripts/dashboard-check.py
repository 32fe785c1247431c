#!/usr/bin/python3
"""Loads the dashboard in headless Chromium over the DevTools protocol and checks the rendered page against the API.

Debian's python3 with python3-websocket only. Used by scripts/test-dashboard.sh:
  dashboard-check.py --api http://127.0.0.1:PORT --out DIR --next-session 2024-03-01 -- COMMAND...
COMMAND (run once the page is ready) computes the session --next-session; the page must show it without a reload.
Prints one "ok: ..." line per check; exits 1 at the first failure.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def ok(message):
    print(f"ok: {message}", flush=True)


class Browser:
    """Chromium with remote debugging on a port it picks itself, and one page driven over its WebSocket."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="dashboard-chromium.")
        args = [chromium, "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1", f"--user-data-dir={self.profile}", "--lang=en-US",
                "--window-size=1280,900", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        self.log = open(os.path.join(self.profile, "chromium.log"), "w")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=self.log,
                                        env=dict(os.environ, LANG="en_US.UTF-8", TZ="UTC"))
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        for _ in range(300):
            if os.path.exists(port_file) and open(port_file).read().count("\n") >= 1:
                break
            if self.process.poll() is not None:
                fail(f"chromium exited: {open(self.log.name).read()[-2000:]}")
            time.sleep(0.1)
        else:
            fail("chromium did not open its DevTools port")
        port = open(port_file).read().split("\n")[0].strip()
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.console = []

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("method") == "Runtime.exceptionThrown":
                self.console.append(message["params"]["exceptionDetails"].get("text", "exception"))
            if message.get("method") == "Runtime.consoleAPICalled" and message["params"]["type"] == "error":
                self.console.append(" ".join(str(a.get("value", "")) for a in message["params"]["args"]))
            if message.get("id") == self.next_id:
                if "error" in message:
                    fail(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            fail(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.2)
        shown_error = self.evaluate("document.getElementById('error').textContent")
        fail(f"{what}: not true after {timeout} s ({expression}); page errors: {self.console}; "
             f"error box: {shown_error}")

    def viewport(self, width, height, mobile):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=mobile)

    def screenshot(self, path, width, mobile):
        """The whole page at `width`, as a PNG."""
        height = self.evaluate("document.documentElement.scrollHeight")
        self.viewport(width, height, mobile)
        time.sleep(0.3)
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))

    def close(self):
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)


def get(api, path):
    with urllib.request.urlopen(api + path, timeout=60) as response:
        return json.load(response)


def level_text(value):
    return f"{value:,.2f}"


def percent_text(value):
    return f"{value * 100:,.2f}%"


PAGE_STATE = """(() => {
  const level = document.getElementById('latest-level');
  const rows = [...document.querySelectorAll('#composition-table tbody tr')].map((tr) =>
    [...tr.cells].map((td) => ({ text: td.textContent, value: td.dataset.value ?? null })));
  const change = document.querySelector('#changes-table tbody tr');
  return {
    level: level.textContent, levelValue: level.dataset.value, levelDate: level.dataset.date,
    asOf: document.getElementById('composition-as-of').dataset.asOf,
    rows,
    change: change ? [...change.cells].map((td) => td.textContent) : null,
    sectors: document.querySelectorAll('#sector-table tbody tr').length,
    charts: document.querySelectorAll('#level-chart svg path.series').length,
    summary: document.querySelectorAll('#summary-table tbody tr').length,
    jobs: document.querySelectorAll('#jobs-table tbody tr').length,
    marker: window.dashboardCheckMarker ?? null,
  };
})()"""


def check_page(browser, api, index):
    definition = next(d for d in get(api, "/indexes")["indexes"] if d["id"] == index)
    last = definition["last_session"]
    performance = get(api, f"/index-performance?start_date={last}&end_date={last}&index={index}")["performance"]
    stored_level = performance[-1]["level"]
    composition = get(api, f"/index-composition?date={last}&index={index}")
    changes = get(api, f"/composition-changes?start_date={definition['first_session']}&end_date={last}"
                       f"&index={index}")["changes"]
    page = browser.evaluate(PAGE_STATE)

    if page["levelDate"] != last:
        fail(f"latest level is of {page['levelDate']}, the API's last session is {last}")
    if page["level"] != level_text(stored_level) or float(page["levelValue"]) != stored_level:
        fail(f"latest level shows {page['level']} ({page['levelValue']}), stored {stored_level}")
    ok(f"latest level shows {page['level']} on {last}, the stored {stored_level}")

    members = composition["constituents"]
    if len(page["rows"]) != len(members) or (index == "ew100" and len(members) != 100):
        fail(f"composition table has {len(page['rows'])} rows, the API {len(members)} constituents")
    for row, member in zip(page["rows"], members):
        ticker, weight = row[1]["text"], row[4]
        if ticker != member["ticker"] or row[0]["text"] != str(member["rank"]):
            fail(f"composition row {row[0]['text']} {ticker} is not the API's {member['rank']} {member['ticker']}")
        if weight["text"] != percent_text(member["weight"]) or float(weight["value"]) != member["weight"]:
            fail(f"{ticker}'s weight shows {weight['text']} ({weight['value']}), stored {member['weight']}")
    if page["asOf"] != composition["as_of"]:
        fail(f"composition is as of {page['asOf']}, the API's {composition['as_of']}")
    ok(f"composition table: {len(page['rows'])} rows as of {page['asOf']}, tickers, ranks and weights as stored "
       f"({page['rows'][0][1]['text']} {page['rows'][0][4]['text']}), {page['sectors']} sectors")

    if changes:
        latest = changes[-1]
        names = lambda entries: ", ".join(e["ticker"] for e in entries) or "–"
        expected = [latest["date"], names(latest["added"]), names(latest["removed"])]
        if page["change"] is None or page["change"][:3] != expected:
            fail(f"latest change shows {page['change']}, stored {expected}")
        ok(f"latest change shows {' | '.join(page['change'][:3])}")
    elif page["change"] is not None:
        fail(f"a change is shown but none is stored: {page['change']}")
    if page["charts"] < 1 or page["summary"] < 10:
        fail(f"level chart series {page['charts']}, summary rows {page['summary']}")
    ok(f"level chart with {page['charts']} series, summary table with {page['summary']} rows, {page['jobs']} jobs")
    return stored_level


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--index", default="ew100")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--next-session", required=True)
    parser.add_argument("--job", action="store_true", help="COMMAND makes a build job: the job list must show it")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    os.makedirs(args.out, exist_ok=True)

    browser = Browser(args.chromium)
    try:
        browser.call("Page.enable")
        browser.call("Runtime.enable")
        browser.viewport(1280, 900, False)
        browser.call("Page.navigate", url=args.api + "/")
        browser.wait_for("document.body && document.body.dataset.state === 'ready'", "the page loaded its data")
        browser.wait_for("document.getElementById('live-status').classList.contains('on')", "/events is open")
        ok("the dashboard loaded its data and opened /events")
        check_page(browser, args.api, args.index)

        desktop = os.path.join(args.out, "dashboard-desktop.png")
        browser.screenshot(desktop, 1280, False)
        browser.viewport(390, 844, True)
        browser.wait_for("Number(document.querySelector('#level-chart svg').getAttribute('viewBox').split(' ')[2]) <= 390",
                         "charts redrawn at a phone's width", timeout=20)
        overflow = browser.evaluate("document.documentElement.scrollWidth")
        if overflow > 392:
            fail(f"at 390 px the page is {overflow} px wide")
        phone = os.path.join(args.out, "dashboard-phone.png")
        browser.screenshot(phone, 390, True)
        ok(f"screenshots: {desktop}, {phone} (the page fits 390 px: {overflow} px wide)")
        browser.viewport(1280, 900, False)

        # A session computed while the page is open appears without a reload (the marker survives).
        browser.evaluate("window.dashboardCheckMarker = 'still here'")
        started = time.time()
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            fail(f"computing {args.next_session}: {' '.join(command)}: {result.stdout[-2000:]} {result.stderr[-2000:]}")
        browser.wait_for(f"document.getElementById('latest-level').dataset.date === '{args.next_session}'",
                         f"the session of {args.next_session} shown", timeout=60)
        shown = time.time() - started
        # The composition and the changes follow a moment later, once storage has the session.
        browser.wait_for(f"document.getElementById('composition-as-of').dataset.asOf === '{args.next_session}'",
                         f"the composition of {args.next_session} shown", timeout=30)
        definition = next(d for d in get(args.api, "/indexes")["indexes"] if d["id"] == args.index)
        changes = get(args.api, f"/composition-changes?start_date={definition['first_session']}"
                                f"&end_date={args.next_session}&index={args.index}")["changes"]
        if changes:
            browser.wait_for("(document.querySelector('#changes-table tbody tr th') || {}).textContent === "
                             f"'{changes[-1]['date']}'", "the latest change shown", timeout=30)
        page = browser.evaluate(PAGE_STATE)
        if page["marker"] != "still here":
            fail("the page was reloaded")
        stored = check_page(browser, args.api, args.index)
        if args.job:
            job = get(args.api, "/jobs?limit=1")["jobs"][0]
            browser.wait_for("(() => { const row = document.querySelector('#jobs-table tbody tr'); return !!row && "
                             f"row.cells[2].textContent === 'succeeded' && '{job['id']}'.includes(row.cells[0].textContent) }})()",
                             "the job shown succeeded", timeout=30)
            ok(f"the job list shows {job['id']} succeeded ({job['progress']['sessions_done']} of "
               f"{job['progress']['sessions_total']} sessions), from its job events")
        ok(f"the session of {args.next_session} (level {level_text(stored)}) appeared without a reload, "
           f"{shown:.1f} s after the command that computes it started")
        if browser.console:
            fail(f"page errors: {browser.console}")
        browser.screenshot(os.path.join(args.out, "dashboard-after-session.png"), 1280, False)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
