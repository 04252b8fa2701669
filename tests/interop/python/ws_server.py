"""Python's `websockets` (pip install websockets) as an echo server for one client.

usage: python3 ws_server.py [PROTOCOL,...]

Listens on 127.0.0.1, port 0, and prints `listening PORT`. For the one connection it takes:
pings the client once, echoes every message (the first reply whole, the second in two
fragments, the rest one fragment per character, to exercise the client's reassembly), then
prints what it saw, one fact per line, and exits. If PROTOCOLs are given, it speaks those
subprotocols. Every wait has a deadline (TIMEOUT). Exit status 3: `websockets` is missing.
"""
import asyncio
import sys

try:
    from websockets.asyncio.server import serve
except ImportError as e:
    print("missing peer: the Python package `websockets` (pip install websockets): %s" % e,
          file=sys.stderr)
    sys.exit(3)

TIMEOUT = 10


def fragments(message, n):
    """The reply for the n-th message (from 0): whole, in two, or one piece per character."""
    if n == 0 or len(message) < 2:
        return message
    if n == 1:
        return [message[:1], message[1:]]
    return [message[i:i + 1] for i in range(len(message))]


async def main():
    protocols = sys.argv[1].split(",") if len(sys.argv) > 1 else None
    done = asyncio.get_running_loop().create_future()

    async def handler(ws):
        print("subprotocol:", ws.subprotocol, flush=True)
        # Sent before anything else: the client must answer it while it waits for replies.
        pong = await ws.ping(b"are you there?")
        n = 0
        async for message in ws:
            print("received %s %r" % (type(message).__name__, message), flush=True)
            await ws.send(fragments(message, n))
            n += 1
        try:
            await asyncio.wait_for(pong, TIMEOUT)
            print("pong: received")
        except Exception as e:  # the connection closed before the pong came
            print("pong: not received (%s)" % type(e).__name__)
        rcvd, sent = ws.protocol.close_rcvd, ws.protocol.close_sent
        print("close received:", rcvd.code if rcvd else None, repr(rcvd.reason) if rcvd else None)
        print("close sent:", sent.code if sent else None, repr(sent.reason) if sent else None)
        print("closed:", type(ws.protocol.close_exc).__name__, flush=True)
        if not done.done():
            done.set_result(None)

    async with serve(handler, "127.0.0.1", 0, subprotocols=protocols, ping_interval=None,
                     compression=None, close_timeout=TIMEOUT) as server:
        port = server.sockets[0].getsockname()[1]
        print("listening", port, flush=True)
        await asyncio.wait_for(done, 2 * TIMEOUT - 5)


if __name__ == "__main__":
    asyncio.run(main())
