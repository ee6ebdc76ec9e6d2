#!/usr/bin/python3
"""Drives gongjian with clients that are not ours: urllib for HTTP, python3-websockets for the feed.

usage: python_client.py PORT READER_TOKEN WRITER_TOKEN
Exits 0 and prints "python client ok" when the server behaved; anything else is a failure.
"""
import asyncio
import json
import sys
import urllib.error
import urllib.request

import websockets

port, reader, writer = int(sys.argv[1]), sys.argv[2], sys.argv[3]
base = f"http://127.0.0.1:{port}"


def call(method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=20) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def check(cond, what):
    if not cond:
        print("FAILED:", what)
        sys.exit(1)


status, body = call("GET", "/healthz")
check(status == 200 and body["status"] == "ok", f"healthz {status} {body}")
status, body = call("GET", "/api/v1/log")
check(status == 401 and body["error"]["code"] == "unauthenticated", f"log without token {status} {body}")
status, body = call("GET", "/api/v1/log?from=1&limit=100", reader)
check(status == 200, f"log {status}")
head = body["head"]
check(head >= 1 and [e["position"] for e in body["events"]] == list(range(1, head + 1)), f"log positions {body}")


async def feed():
    async with websockets.connect(f"ws://127.0.0.1:{port}/api/v1/ws?access_token={reader}") as ws:
        await ws.send(json.dumps({"op": "subscribe", "topic": "events", "after": 0}))
        positions = []
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if m["type"] == "event":
                positions.append(m["position"])
            if m["type"] == "live":
                break
        check(positions == list(range(1, head + 1)), f"catch-up positions {positions}")
        status, reply = call("POST", "/api/v1/commands/register_jurisdiction", writer,
                             {"command_id": "py-1", "code": "110101", "jurisdiction_name": "东城区"})
        check(status == 200 and reply["first_position"] == head + 1, f"command {status} {reply}")
        m = json.loads(await asyncio.wait_for(ws.recv(), 20))
        check(m["type"] == "event" and m["position"] == head + 1, f"live event {m}")
        check(m["event"]["stream"] == "jurisdiction-110101", f"live stream {m}")


asyncio.run(feed())
print("python client ok")
