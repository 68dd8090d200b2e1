"""Desktop figures (PRODUCT.md section 5): cold start to the cached chat painted, and idle
memory summed over the app's processes (the Rust process and every WebKit process) with a
conversation of N cached messages open.

Not a test (no assertions on time): run by scripts/bench-desktop.sh, which builds the app
and provides Xvfb and a keyring. Prints the figures; nothing is written to the repo.

Cold start is measured from the app process's start time (/proc/PID/stat, 10 ms ticks) to the
moment the cached conversation list is visible in the webview (polled every 10 ms over
WebDriver), with the server stopped, so only the local cache can paint it.
"""

import json
import os
import sys
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import test_desktop as t  # noqa: E402  (the same harness as the end-to-end tests)

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "10000"))
IDLE_SECONDS = int(os.environ.get("BENCH_IDLE_SECONDS", "300"))
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "5"))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def rest(server, method, path, token=None, body=None):
    req = urllib.request.Request(server.url + path, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(req, data, timeout=60) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def process_start_monotonic(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[19]) / CLK_TCK  # starttime, seconds since boot (CLOCK_MONOTONIC base)


def app_pids():
    """The newest parley-desktop process and its descendants (WebKit web/network processes)."""
    procs = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        procs[int(pid)] = (ppid, comm)
    roots = [p for p, (_, c) in procs.items() if c == "parley-desktop"]
    if not roots:
        return []
    root = max(roots)
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for p, (pp, _) in procs.items():
            if pp == parent and p not in tree:
                tree.add(p)
                frontier.append(p)
    return sorted(tree)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    server = t.Server()
    server.start()
    alice_name, bob_name = f"alice{uuid.uuid4().hex[:6]}", f"bob{uuid.uuid4().hex[:6]}"
    bob = rest(server, "POST", "/api/v1/auth/register", body={"username": bob_name, "password": "bob-password"})
    # Alice signs up in the app, so its keyring and cache are the app's own.
    app = t.App("bench").open()
    app.sign_up(server.url, alice_name, "alice-password")
    users = rest(server, "GET", f"/api/v1/users?q={alice_name}", token=bob["session"]["access_token"])
    alice_id = users["users"][0]["id"]
    token = bob["session"]["access_token"]
    conv = rest(server, "POST", "/api/v1/conversations", token, {"kind": "direct", "member_ids": [alice_id]})
    print(f"sending {MESSAGES} messages…", flush=True)
    for i in range(MESSAGES):
        rest(server, "POST", f"/api/v1/conversations/{conv['id']}/messages", token,
             {"client_id": str(uuid.uuid4()), "body": f"message {i} of the benchmark conversation"})
    app.conversation_item(bob_name).click()
    app.wait_message(f"message {MESSAGES - 1} of the benchmark")
    home = app.home
    app.close()
    server.stop()

    cold = []
    for run in range(RUNS):
        app = t.App(f"cold{run}")
        app.home = home
        app.open()
        pid = app_pids()[0]
        item = f"//nav[@aria-label='Conversations']//*[@role='listitem']//*[normalize-space(.)='{bob_name}']"
        while app.by_xpath(item) is None:
            time.sleep(0.01)
        painted = time.monotonic()
        cold.append((painted - process_start_monotonic(pid)) * 1000)
        if run < RUNS - 1:
            app.close()
    print("cold start to cached list painted (ms):", [round(c) for c in cold], flush=True)

    app.conversation_item(bob_name).click()
    app.wait_message(f"message {MESSAGES - 1} of the benchmark")
    print(f"conversation of {MESSAGES} cached messages open; idling {IDLE_SECONDS} s…", flush=True)
    time.sleep(IDLE_SECONDS)
    pids = app_pids()
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
        kib = rss_kib(pid)
        total += kib
        print(f"  {pid} {comm}: {kib / 1024:.1f} MiB")
    print(f"idle memory after {IDLE_SECONDS} s, all app processes: {total / 1024:.1f} MiB", flush=True)
    app.close()


if __name__ == "__main__":
    main()
