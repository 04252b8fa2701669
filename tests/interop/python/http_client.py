"""Python's http.client (stdlib only) against an HTTP server on 127.0.0.1.

usage: python3 http_client.py PORT SCENARIO

Each scenario prints what it saw, one fact per line, so the Rust test can compare stdout with
what it expects. The Date header's value changes every second, so it is printed as DATE.
"""
import http.client
import sys


def show(response, body):
    """The status line, the header fields in order (Date masked), the body."""
    print("version:", response.version)
    print("status:", response.status, response.reason)
    for name, value in response.getheaders():
        print("header: %s: %s" % (name, "DATE" if name.lower() == "date" else value))
    print("body:", repr(body))


def pattern(n):
    """n bytes that are not all alike, so a reordering or a dropped piece shows."""
    return bytes((i * 7 + i // 251) % 256 for i in range(n))


def get(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    response = conn.getresponse()
    show(response, response.read())
    print("will_close:", response.will_close)
    conn.close()


def head(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("HEAD", "/")
    response = conn.getresponse()
    show(response, response.read())
    conn.close()


def post_length(port):
    body = pattern(200_000)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/echo", body=body, headers={"Content-Type": "application/x-test"})
    response = conn.getresponse()
    back = response.read()
    print("status:", response.status)
    print("content-type:", response.getheader("Content-Type"))
    print("transfer-encoding:", response.getheader("Transfer-Encoding"))
    print("echoed:", len(back), "bytes, equal:", back == body)
    conn.close()


def post_chunked(port):
    pieces = [pattern(1), pattern(5000), b"", pattern(70_000), b"end"]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    # An iterator body with encode_chunked=True: http.client frames each piece as a chunk
    # (skipping empty ones) and ends with the zero-size chunk.
    conn.request(
        "POST",
        "/echo",
        body=iter(pieces),
        headers={"Transfer-Encoding": "chunked"},
        encode_chunked=True,
    )
    response = conn.getresponse()
    back = response.read()
    print("status:", response.status)
    print("echoed:", len(back), "bytes, equal:", back == b"".join(pieces))
    conn.close()


def two_requests(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    first = conn.getresponse()
    print("first:", first.status, repr(first.read()))
    # http.client drops its socket when a response says it will close; if it still holds
    # the same socket (same local port), the second request goes over the same connection.
    before = conn.sock.getsockname() if conn.sock else None
    conn.request("POST", "/echo", body=b"second")
    after = conn.sock.getsockname() if conn.sock else None
    second = conn.getresponse()
    print("second:", second.status, repr(second.read()))
    print("same connection:", before is not None and before == after)
    conn.close()


class HTTP10Connection(http.client.HTTPConnection):
    """http.client speaking HTTP/1.0: the request line says HTTP/1.0."""

    _http_vsn = 10
    _http_vsn_str = "HTTP/1.0"


def http10(port):
    conn = HTTP10Connection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    response = conn.getresponse()
    show(response, response.read())
    print("will_close:", response.will_close)
    conn.close()


SCENARIOS = {
    "get": get,
    "head": head,
    "post-length": post_length,
    "post-chunked": post_chunked,
    "two-requests": two_requests,
    "http10": http10,
}

if __name__ == "__main__":
    SCENARIOS[sys.argv[2]](int(sys.argv[1]))
