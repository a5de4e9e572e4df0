"""The FastAPI + sqlite3 receiver that `make bench` compares Hookbench's capture path with.

Minimal on purpose, but fair: every request is committed before its 200 (autocommit, one commit per
request), with the same journal settings as Hookbench's store (WAL, synchronous=NORMAL). Run by the
bench binary as `uvicorn app:app --workers 1`; BENCH_PY_DB names the database file.
"""

import json
import os
import sqlite3
import time

from fastapi import FastAPI, Request

DB = os.environ.get("BENCH_PY_DB", "captures.db")

conn = sqlite3.connect(DB, check_same_thread=False, isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA synchronous=NORMAL")
conn.execute(
    "CREATE TABLE IF NOT EXISTS captures ("
    " id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,"
    " query TEXT, headers TEXT NOT NULL, content_type TEXT, body BLOB NOT NULL, body_size INTEGER NOT NULL)"
)

app = FastAPI()


@app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def capture(path: str, request: Request):
    body = await request.body()
    headers = json.dumps([[k, v] for k, v in request.headers.items()])
    cur = conn.execute(
        "INSERT INTO captures (received_at, method, path, query, headers, content_type, body, body_size)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            int(time.time() * 1000),
            request.method,
            "/" + path,
            request.url.query or None,
            headers,
            request.headers.get("content-type"),
            body,
            len(body),
        ),
    )
    return {"ok": True, "capture_id": cur.lastrowid}
