"""A small HTTP/1.1 load generator: asyncio, raw keep-alive connections, requests prepared
and signed (as Slack signs them: v0 HMAC-SHA256 over "v0:{ts}:{body}") before the clock
starts, so the generator spends almost no CPU while measuring. Run as its own process so
it does not share a GIL with the fake Slack API or the server under test.

    python bench/loadgen.py --port 8000 --bodies bodies.txt --concurrency 50 --out results.json
    python bench/loadgen.py --port 8000 --bodies bodies.txt --rate 500 --out results.json

Closed loop (`--concurrency N`): N connections, each sending its next request when the last
answer came; the server's speed sets the pace, so a backlog never shows. Open loop (`--rate R`):
request i is due at start + i/R and goes out then on an idle connection (a new one when all are
busy, up to `--max-connections`), the way Slack sends clicks as people make them; its latency is
counted from when it was due, so time spent waiting behind a slow server counts too.

`bodies.txt` holds one body per line: form-encoded (clicks, commands) or a JSON object
(events). The result file is JSON:
{"results": [[index, sent_monotonic, latency_s, status], ...], "started": t, "finished": t,
"errors": n} (open loop: `sent_monotonic` is when the request was due). time.monotonic() is CLOCK_MONOTONIC, comparable across processes on one host.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import sys
import time

PATH = "/slack/events"
IDLE_REUSE_S = 2.0
JSON, FORM = "application/json", "application/x-www-form-urlencoded"  # events; commands and clicks


def build_request(body: bytes, *, host: str, port: int, secret: bytes, timestamp: str) -> bytes:
    signature = (
        "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    )
    head = (
        f"POST {PATH} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)\r\n"
        "Accept: */*\r\n"
        f"Content-Type: {JSON if body.startswith(b'{') else FORM}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Slack-Request-Timestamp: {timestamp}\r\n"
        f"X-Slack-Signature: {signature}\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, close


async def run(
    requests: list[list[bytes]], host: str, ports: list[int], concurrency: int, timeout: float
) -> dict:
    """Closed loop; worker w sends to ports[w % len(ports)] (requests[i][p]: request i for port p)."""
    results: list[list] = [[] for _ in requests]
    next_index = 0
    errors = 0

    async def worker(number: int) -> None:
        nonlocal next_index, errors
        which = number % len(ports)
        port = ports[which]
        reader = writer = None
        while next_index < len(requests):
            index = next_index
            next_index += 1
            for _attempt in range(3):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, port)
                    sent = time.monotonic()
                    writer.write(requests[index][which])
                    status, close = await asyncio.wait_for(read_response(reader), timeout)
                    results[index] = [index, sent, time.monotonic() - sent, status]
                    if close:
                        writer.close()
                        reader = writer = None
                    break
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    if writer is not None:
                        writer.close()
                    reader = writer = None
            else:
                results[index] = [index, time.monotonic(), float("nan"), 0]
        if writer is not None:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(worker(number) for number in range(concurrency)))
    finished = time.monotonic()
    return {"results": results, "started": started, "finished": finished, "errors": errors}


async def run_open(
    requests: list[list[bytes]],
    host: str,
    ports: list[int],
    rate: float,
    max_connections: int,
    timeout: float,
) -> dict:
    """Open loop; request i goes to ports[i % len(ports)] (split evenly, like a load balancer)."""
    results: list[list] = [[] for _ in requests]
    # Idle keep-alive connections per port, with when each was last used: one idle longer than
    # IDLE_REUSE_S is closed instead of reused, as HTTP clients do, since the server (gunicorn's
    # keepalive, 5 s) may have closed it and a request written into it would be lost.
    idle: list[list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]]] = [[] for _ in ports]
    slots = asyncio.Semaphore(max_connections)
    errors = 0
    peak = 0
    open_now = 0

    async def one(index: int, due: float) -> None:
        nonlocal errors, peak, open_now
        which = index % len(ports)
        async with slots:
            for _attempt in range(3):
                connection = None
                while idle[which] and connection is None:
                    reader, writer, used = idle[which].pop()
                    if time.monotonic() - used < IDLE_REUSE_S:
                        connection = (reader, writer)
                    else:
                        writer.close()
                        open_now -= 1
                try:
                    if connection is None:
                        connection = await asyncio.open_connection(host, ports[which])
                        open_now += 1
                        peak = max(peak, open_now)
                    reader, writer = connection
                    writer.write(requests[index][which])
                    status, close = await asyncio.wait_for(read_response(reader), timeout)
                    results[index] = [index, due, time.monotonic() - due, status]
                    if close:
                        writer.close()
                        open_now -= 1
                    else:
                        idle[which].append((reader, writer, time.monotonic()))
                    return
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    if connection is not None:
                        connection[1].close()
                        open_now -= 1
            results[index] = [index, due, float("nan"), 0]

    started = time.monotonic()
    tasks = []
    for index in range(len(requests)):
        due = started + index / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, due)))
    await asyncio.gather(*tasks)
    finished = time.monotonic()
    for pool in idle:
        for _reader, writer, _used in pool:
            writer.close()
    return {
        "results": results,
        "started": started,
        "finished": finished,
        "errors": errors,
        "rate": rate,
        "peak_connections": peak,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", required=True, help="a port, or several comma-separated (split evenly)")
    parser.add_argument("--bodies", required=True, help="file with one form-encoded body per line")
    parser.add_argument("--secret", required=True, help="the Slack signing secret")
    parser.add_argument("--concurrency", type=int, default=50, help="closed loop: connections")
    parser.add_argument("--rate", type=float, help="open loop: requests per second, on a fixed schedule")
    parser.add_argument("--max-connections", type=int, default=1000, help="open loop: at most this many")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one response")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    with open(args.bodies, "rb") as handle:
        bodies = [line.rstrip(b"\n") for line in handle if line.strip()]
    timestamp = str(int(time.time()))
    secret = args.secret.encode()
    ports = [int(port) for port in args.port.split(",")]
    requests = [
        [build_request(body, host=args.host, port=port, secret=secret, timestamp=timestamp) for port in ports]
        for body in bodies
    ]
    if args.rate:
        outcome = asyncio.run(
            run_open(requests, args.host, ports, args.rate, args.max_connections, args.timeout)
        )
    else:
        outcome = asyncio.run(run(requests, args.host, ports, args.concurrency, args.timeout))
    with open(args.out, "w") as handle:
        json.dump(outcome, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
