"""Publish a chat event to Herald, then read it back from a stream.

    pip install httpx httpx-sse
    python publish_and_follow.py [HUB]    (HUB, or $HERALD_URL, or http://127.0.0.1:3000)
"""

import json
import os
import sys

import httpx
from httpx_sse import connect_sse

HUB = (sys.argv[1:] or [os.environ.get("HERALD_URL", "http://127.0.0.1:3000")])[0]
TOPIC = "chat/lobby"  # the dashboard follows it
text = f"hello from Python {os.getpid()}"

with httpx.Client(base_url=HUB, timeout=10) as hub:
    # Where to start reading: after the newest event the topic holds now.
    history = hub.get("/api/history", params={"topic": TOPIC, "limit": 1}).json()
    event = {"type": "chat", "author": "python", "text": text}
    published = hub.post(f"/api/topics/{TOPIC}", json=event)
    published.raise_for_status()
    print("published", published.json()["id"])

    # Each SSE event is named by its kind; its data is the envelope.
    params = {"topic": TOPIC, "lastEventId": history["resume_after"]}
    with connect_sse(hub, "GET", "/api/events", params=params) as stream:
        for message in stream.iter_sse():
            envelope = json.loads(message.data) if message.event == "chat" else None
            if envelope and envelope["event"]["text"] == text:
                print("received", envelope["id"], envelope["event"]["text"])
                break
