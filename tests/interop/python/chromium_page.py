"""Drives a headless Chromium over the DevTools protocol (with Python's `websockets`): loads
`ws-server`'s demo page, waits until the page shows that messages made the round trip, presses
the page's stop button, and prints what it saw, one fact per line.

usage: python3 chromium_page.py DEVTOOLS_URL PAGE_URL MIN_RECEIVED

DEVTOOLS_URL is the `ws://127.0.0.1:P/devtools/browser/...` that Chromium prints when started
with `--remote-debugging-port=0`. The page's counters are read with Runtime.evaluate, polled
with a deadline (the page sends an update every 50 ms while it is open); the page's uncaught
exceptions, its console errors, the browser's error log entries, and every request the page
made are recorded from the moment it starts loading. Exit status 3: `websockets` is missing.
"""
import asyncio
import itertools
import json
import sys

try:
    from websockets.asyncio.client import connect
except ImportError as e:
    print("missing peer: the Python package `websockets` (pip install websockets): %s" % e,
          file=sys.stderr)
    sys.exit(3)

TIMEOUT = 10
POLL = 0.05


class Session:
    """One DevTools connection: commands wait for their answer; events are collected."""

    def __init__(self, ws):
        self.ws = ws
        self.ids = itertools.count(1)
        self.waiting = {}
        self.events = []
        self.reader = asyncio.create_task(self.read())

    async def read(self):
        async for raw in self.ws:
            message = json.loads(raw)
            if "id" in message:
                future = self.waiting.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message)
            else:
                self.events.append(message)

    async def send(self, method, session=None, **params):
        id_ = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.waiting[id_] = future
        command = {"id": id_, "method": method, "params": params}
        if session is not None:
            command["sessionId"] = session
        await self.ws.send(json.dumps(command))
        answer = await asyncio.wait_for(future, TIMEOUT)
        if "error" in answer:
            raise RuntimeError("%s failed: %s" % (method, answer["error"]))
        return answer.get("result", {})

    def seen(self, method):
        return [e["params"] for e in self.events if e.get("method") == method]


async def evaluate(cdp, session, expression):
    result = await cdp.send("Runtime.evaluate", session, expression=expression,
                            returnByValue=True)
    return result["result"].get("value")


async def until(cdp, session, expression, done):
    """Polls `expression` in the page until `done(value)`, or fails at the deadline."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while True:
        value = await evaluate(cdp, session, expression)
        if done(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("%s stayed %r for %ds" % (expression, value, TIMEOUT))
        await asyncio.sleep(POLL)


async def loaded(cdp):
    """Waits for the page's load event, with a deadline: evaluating during the navigation
    could meet the old document, or none."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while not cdp.seen("Page.loadEventFired"):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the page did not load within %ds" % TIMEOUT)
        await asyncio.sleep(POLL)


def text(id_):
    return "document.getElementById(%r).textContent" % id_


async def main():
    devtools, page_url, minimum = sys.argv[1], sys.argv[2], int(sys.argv[3])
    async with connect(devtools, max_size=None, ping_interval=None,
                       open_timeout=TIMEOUT) as ws:
        cdp = Session(ws)
        target = await cdp.send("Target.createTarget", url="about:blank")
        attached = await cdp.send("Target.attachToTarget", targetId=target["targetId"],
                                  flatten=True)
        page = attached["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            await cdp.send(domain + ".enable", page)
        await cdp.send("Page.navigate", page, url=page_url)
        await loaded(cdp)

        received = await until(cdp, page, text("received"), lambda v: int(v or 0) >= minimum)
        print("received at least %d: %s" % (minimum, int(received) >= minimum))
        print("state:", await evaluate(cdp, page, text("state")))
        print("url shown:", await evaluate(cdp, page, text("url")))
        # The page's own stop button: socket.close(1000, 'stopped').
        await evaluate(cdp, page, "document.getElementById('stop').click()")
        state = await until(cdp, page, text("state"), lambda v: v.startswith("closed"))
        print("after stop:", state)
        sent = int(await evaluate(cdp, page, text("sent")))
        received = int(await evaluate(cdp, page, text("received")))
        print("sent at least as many as received:", sent >= received)

        for r in cdp.seen("Network.requestWillBeSent"):
            print("request %s %s %s" % (r["type"], r["request"]["method"], r["request"]["url"]))
        for r in cdp.seen("Network.webSocketCreated"):
            print("websocket", r["url"])
        for r in cdp.seen("Network.webSocketHandshakeResponseReceived"):
            print("websocket handshake", r["response"]["status"])
        for r in cdp.seen("Network.loadingFailed"):
            print("loading failed:", r.get("type"), r.get("errorText"))
        for r in cdp.seen("Runtime.exceptionThrown"):
            details = r["exceptionDetails"]
            print("exception:", details.get("exception", {}).get("description", details["text"]))
        for r in cdp.seen("Runtime.consoleAPICalled"):
            args = " ".join(str(a.get("value", a.get("description"))) for a in r["args"])
            print("console.%s: %s" % (r["type"], args))
        for r in cdp.seen("Log.entryAdded"):
            entry = r["entry"]
            print("log %s %s: %s" % (entry["level"], entry["source"], entry["text"]))

        await cdp.send("Target.closeTarget", targetId=target["targetId"])
        # The browser exits on this; it may not answer before it goes.
        await ws.send(json.dumps({"id": next(cdp.ids), "method": "Browser.close"}))
        cdp.reader.cancel()


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(), 2 * TIMEOUT - 5))
