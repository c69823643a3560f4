#!/usr/bin/env bash
# Publish a chat event to Herald with curl, then read it back from a stream.
#   bash publish_and_follow.sh [HUB]    (HUB, or $HERALD_URL, or http://127.0.0.1:3000)
set -euo pipefail
hub="${1:-${HERALD_URL:-http://127.0.0.1:3000}}"
topic="chat/lobby"
text="hello from curl $$"

# Where to start reading: `resume_after` of the topic's history, the newest id.
after=$(curl -sf "$hub/api/history?topic=$topic&limit=1" |
    sed -E 's/.*"resume_after":"([^"]+)".*/\1/')

# Publish: the hub answers 202 with the event's id and topic.
curl -sf -X POST "$hub/api/topics/$topic" \
    -H 'content-type: application/json' \
    -d "{\"type\":\"chat\",\"author\":\"curl\",\"text\":\"$text\"}"
echo

# Follow the topic from there until our event arrives: `event: chat`, and
# the envelope on its `data:` line.
{ curl -sfN --max-time 10 "$hub/api/events?topic=$topic&lastEventId=$after" || true; } |
    grep -m1 -F "\"text\":\"$text\""
