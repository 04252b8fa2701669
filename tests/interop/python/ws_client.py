"""Python's `websockets` (pip install websockets) as a client against a WebSocket server.

usage: python3 ws_client.py URL SCENARIO

Each scenario prints what it saw, one fact per line, so the Rust test can compare stdout with
what it expects. Every wait has a deadline (TIMEOUT): a server that hangs makes this program
fail, never hang. Exit status 3 means the `websockets` package is missing.
"""
import asyncio
import sys

try:
    import websockets
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus
except ImportError as e:
    print("missing peer: the Python package `websockets` (pip install websockets): %s" % e,
          file=sys.stderr)
    sys.exit(3)

# Longer than any scenario takes, shorter than the Rust test's own deadline.
TIMEOUT = 10


def pattern(n):
    """n bytes that are not all alike, so a reordering or a dropped piece shows."""
    return bytes((i * 7 + i // 251) % 256 for i in range(n))


def closing(ws):
    """How the close handshake went, as the client saw it."""
    sent, rcvd = ws.protocol.close_sent, ws.protocol.close_rcvd
    print("close sent:", sent.code if sent else None, repr(sent.reason) if sent else None)
    print("close received:", rcvd.code if rcvd else None, repr(rcvd.reason) if rcvd else None)
    # ConnectionClosedOK: both close frames went and came with 1000 or 1001 (or none).
    print("closed:", type(ws.protocol.close_exc).__name__)


def open_(url, **kwargs):
    # No compression: the server declines permessage-deflate anyway; offering nothing keeps
    # the handshake the plainest a client sends. Messages up to 4 MiB.
    return connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT, ping_interval=None,
                   max_size=4 * 1024 * 1024, compression=None, **kwargs)


async def echo(url):
    async with open_(url) as ws:
        print("subprotocol:", ws.subprotocol)
        for message in ["hello", "", "中文 and ünïcode ✓", b"\x00\x01\xfe\xff", b""]:
            await ws.send(message)
            reply = await ws.recv()
            print("%s -> %s %r" % (type(message).__name__, type(reply).__name__, reply))
    closing(ws)


async def big(url):
    data = pattern(1024 * 1024)
    text = "".join(chr(0x61 + i % 26) for i in range(1024 * 1024 - 3)) + "✓"  # 1 MiB of UTF-8
    async with open_(url) as ws:
        await ws.send(data)
        reply = await ws.recv()
        print("binary %d bytes -> %s %d bytes, equal: %s"
              % (len(data), type(reply).__name__, len(reply), reply == data))
        await ws.send(text)
        reply = await ws.recv()
        print("text %d bytes -> %s %d bytes, equal: %s"
              % (len(text.encode()), type(reply).__name__, len(reply.encode()), reply == text))
    closing(ws)


async def fragmented(url):
    async with open_(url) as ws:
        # A list is sent as one fragmented message: one frame per item.
        await ws.send(["hel", "lo, ", "wörld"])
        print("text fragments -> %r" % await ws.recv())
        await ws.send([b"\x01\x02", b"", b"\x03"])
        print("binary fragments -> %r" % await ws.recv())

        # A ping between two fragments of one message (RFC 6455 §5.4: control frames may be
        # injected in the middle of a fragmented message).
        pongs = []

        async def pieces():
            yield "first half, "
            pongs.append(await ws.ping(b"mid-message"))
            yield "second half"

        await ws.send(pieces())
        print("fragments around a ping -> %r" % await ws.recv())
        await asyncio.wait_for(pongs[0], TIMEOUT)
        print("pong for the mid-message ping: received")
    closing(ws)


async def ping(url):
    async with open_(url) as ws:
        waiter = await ws.ping(b"are you there?")
        latency = await asyncio.wait_for(waiter, TIMEOUT)
        print("pong received:", latency >= 0)
        waiter = await ws.ping(b"")
        await asyncio.wait_for(waiter, TIMEOUT)
        print("empty pong received: True")
        await ws.send("after the pings")
        print("echo:", await ws.recv())
    closing(ws)


async def protocol(url):
    for offered in (["superchat"], ["nope", "chat"], ["nope"]):
        async with open_(url, subprotocols=offered) as ws:
            print("offered %s -> %s" % (",".join(offered), ws.subprotocol))
            await ws.send("hi")
            print("echo:", await ws.recv())


async def close(url):
    async with open_(url) as ws:
        await ws.send("before the close")
        print("echo:", await ws.recv())
        await ws.close(code=4000, reason="bye now")
        print("close code seen by the client:", ws.close_code)
    closing(ws)


async def origin(url):
    for value in ["http://evil.example", None, "http://ok.example"]:
        try:
            async with open_(url, origin=value) as ws:
                await ws.send("hi")
                print("origin %s: open, echo %s" % (value, await ws.recv()))
        except InvalidStatus as e:
            print("origin %s: InvalidStatus %d %r"
                  % (value, e.response.status_code, bytes(e.response.body)))


SCENARIOS = {f.__name__: f for f in [echo, big, fragmented, ping, protocol, close, origin]}


def main():
    url, scenario = sys.argv[1], sys.argv[2]
    asyncio.run(asyncio.wait_for(SCENARIOS[scenario](url), 2 * TIMEOUT - 5))


if __name__ == "__main__":
    main()
