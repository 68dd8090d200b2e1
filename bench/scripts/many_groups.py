#!/usr/bin/env python3
"""Is an account still usable after someone added it to N groups? (issue: "adding someone to
50k groups must not make their account unusable").

Creates N groups (as a spammer, with the victim in each) on a running server started with
PARLEY_RATE_LIMIT=off, then times what the victim's clients do: the first page of
GET /conversations, walking every page, a /sync page from the start and from "now", GET /me.

    PARLEY_RATE_LIMIT=off ./target/release/parley-server --listen 127.0.0.1:18080 --data-dir /tmp/many
    python3 bench/scripts/many_groups.py --server http://127.0.0.1:18080 --groups 50000
"""
import argparse
import concurrent.futures
import statistics
import time
import uuid

import requests


def register(base, name):
    r = requests.post(f"{base}/api/v1/auth/register",
                      json={"username": name, "password": "correct horse battery"})
    r.raise_for_status()
    body = r.json()
    return body["user"]["id"], body["session"]["access_token"]


def timed(fn, runs=5):
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="http://127.0.0.1:18080")
    parser.add_argument("--groups", type=int, default=50000)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    base = args.server.rstrip("/")
    tag = uuid.uuid4().hex[:6]
    victim_id, victim = register(base, f"victim{tag}")
    _, spammer = register(base, f"spam{tag}")
    auth = {"Authorization": f"Bearer {spammer}"}

    def create(i):
        with requests.Session() as s:
            r = s.post(f"{base}/api/v1/conversations", headers=auth,
                       json={"kind": "group", "title": f"spam {i}", "member_ids": [victim_id]})
            r.raise_for_status()

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        list(pool.map(create, range(args.groups)))
    print(f"created {args.groups} groups in {time.perf_counter() - started:.1f} s")

    v = requests.Session()
    v.headers["Authorization"] = f"Bearer {victim}"

    def first_page():
        r = v.get(f"{base}/api/v1/conversations")
        r.raise_for_status()

    def all_pages():
        before, n = None, 0
        while True:
            q = {"limit": 500} | ({"before": before} if before else {})
            page = v.get(f"{base}/api/v1/conversations", params=q).json()
            n += len(page["conversations"])
            before = page["next_before"]
            if before is None:
                return n

    def sync_from_start():
        v.get(f"{base}/api/v1/sync", params={"limit": 1000}).raise_for_status()

    latest = v.get(f"{base}/api/v1/sync", params={"limit": 1}).json()
    cursor = None
    while True:  # page to the end to find "now"
        page = v.get(f"{base}/api/v1/sync", params={"limit": 1000} | ({"since": cursor} if cursor else {})).json()
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    del latest

    def sync_now():
        v.get(f"{base}/api/v1/sync", params={"since": cursor, "limit": 1000}).raise_for_status()

    def me():
        v.get(f"{base}/api/v1/me").raise_for_status()

    print(f"GET /conversations (first 100): median {timed(first_page):.1f} ms")
    started = time.perf_counter()
    total = all_pages()
    print(f"every page of 500 ({total} conversations): {(time.perf_counter() - started) * 1000:.0f} ms")
    print(f"GET /sync from the start (1000 events): median {timed(sync_from_start):.1f} ms")
    print(f"GET /sync from now (nothing new): median {timed(sync_now):.1f} ms")
    print(f"GET /me: median {timed(me):.1f} ms")


if __name__ == "__main__":
    main()
