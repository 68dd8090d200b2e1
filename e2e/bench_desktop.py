"""Desktop figures (PRODUCT.md section 5): cold start to the cached chat painted, and idle
memory summed over the app's processes (the Rust process and every WebKit process) with a
conversation of N cached messages open.

Not a test (no assertions on time): run by scripts/bench-desktop.sh, which builds the app
and provides Xvfb and a keyring. Prints the figures; nothing is written to the repo.

Memory is reported per process as RSS (VmRSS), PSS (proportional: each shared page divided
among the processes mapping it, so the PSS sum is the fair total for the app, where the RSS sum
counts the GTK/WebKit libraries once per process) and USS (private pages: what quitting that
process alone would free), all from /proc/PID/smaps_rollup, with the PSS split into
file-backed mappings (libraries, fonts, ICU data) and anonymous memory (heaps, JS heap, caches).
PSS also divides pages with processes outside the app (another WebKitGTK app running at the
same time lowers it), so measure with nothing else using WebKitGTK.

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


def app_pids(home=None):
    """The newest parley-desktop process (of PARLEY_HOME home, when given) and its descendants
    (WebKit web/network processes). Newest by start time, not pid: pids wrap around, and other
    instances of the app may be running on the machine."""
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
    roots = [p for p, (_, c) in procs.items() if c == "parley-desktop" and (home is None or app_home(p) == home)]
    if not roots:
        return []
    root = max(roots, key=process_start_monotonic)
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for p, (pp, _) in procs.items():
            if pp == parent and p not in tree:
                tree.add(p)
                frontier.append(p)
    return sorted(tree)


def app_home(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            for var in f.read().split(b"\0"):
                if var.startswith(b"PARLEY_HOME="):
                    return var.split(b"=", 1)[1].decode()
    except OSError:
        pass
    return None


def other_webkit_processes(pids):
    """WebKit processes on the machine outside PIDS: they share library pages, so PSS drops."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
            # WebKitWebDriver (the test driver) maps no WebKit engine libraries of note.
            if comm.startswith("WebKit") and comm != "WebKitWebDriver" and int(pid) not in pids:
                found.append(int(pid))
        except (OSError, ValueError):
            continue
    return found


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def memory_kib(pid):
    """RSS, PSS, USS and PSS of file-backed / anonymous pages of one process, in KiB."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1])
    return {
        "rss": fields.get("Rss", 0),
        "pss": fields.get("Pss", 0),
        "uss": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0),
        "pss_file": fields.get("Pss_File", 0),
        "pss_anon": fields.get("Pss_Anon", 0) + fields.get("Pss_Shmem", 0),
    }


def memory_report(pids, label):
    """Prints one line per process and the sums; returns the sums (KiB) by kind."""
    mib = lambda kib: f"{kib / 1024:7.1f}"  # noqa: E731
    print(f"  {'pid':>7} {'process':<22} {'RSS':>7} {'PSS':>7} {'USS':>7} {'PSSfile':>7} {'PSSanon':>7}  (MiB)")
    totals = {"rss": 0, "pss": 0, "uss": 0, "pss_file": 0, "pss_anon": 0}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
            m = memory_kib(pid)
        except OSError:
            continue
        for k in totals:
            totals[k] += m[k]
        print(f"  {pid:>7} {comm:<22} {mib(m['rss'])} {mib(m['pss'])} {mib(m['uss'])} "
              f"{mib(m['pss_file'])} {mib(m['pss_anon'])}")
    others = other_webkit_processes(pids)
    if others:
        print(f"  note: {len(others)} other WebKit processes running; PSS is lower than alone")
    print(f"  {'':>7} {'sum (' + label + ')':<22} {mib(totals['rss'])} {mib(totals['pss'])} "
          f"{mib(totals['uss'])} {mib(totals['pss_file'])} {mib(totals['pss_anon'])}", flush=True)
    return totals


def seed(messages, empty_conversation=False):
    """Signs a user up in the app and has a second user send MESSAGES into their direct
    conversation (and, with empty_conversation, a third user one message), until the app has
    cached them; stops the server. Returns the app's home and the conversation titles."""
    server = t.Server()
    server.start()
    alice_name, bob_name = f"alice{uuid.uuid4().hex[:6]}", f"bob{uuid.uuid4().hex[:6]}"
    bob = rest(server, "POST", "/api/v1/auth/register", body={"username": bob_name, "password": "bob-password"})
    # Alice signs up in the app, so its keyring and cache are the app's own.
    app = t.App("bench", screenshots=False).open()
    app.sign_up(server.url, alice_name, "alice-password")
    users = rest(server, "GET", f"/api/v1/users?q={alice_name}", token=bob["session"]["access_token"])
    alice_id = users["users"][0]["id"]
    token = bob["session"]["access_token"]
    conv = rest(server, "POST", "/api/v1/conversations", token, {"kind": "direct", "member_ids": [alice_id]})
    print(f"sending {messages} messages…", flush=True)
    for i in range(messages):
        rest(server, "POST", f"/api/v1/conversations/{conv['id']}/messages", token,
             {"client_id": str(uuid.uuid4()), "body": f"message {i} of the benchmark conversation"})
    titles = [bob_name]
    if empty_conversation:
        carol_name = f"carol{uuid.uuid4().hex[:6]}"
        carol = rest(server, "POST", "/api/v1/auth/register",
                     body={"username": carol_name, "password": "carol-password"})
        carol_token = carol["session"]["access_token"]
        small = rest(server, "POST", "/api/v1/conversations", carol_token, {"kind": "direct", "member_ids": [alice_id]})
        rest(server, "POST", f"/api/v1/conversations/{small['id']}/messages", carol_token,
             {"client_id": str(uuid.uuid4()), "body": "the only message of the small conversation"})
        titles.append(carol_name)
        app.open_conversation(carol_name)
        app.wait_message("the only message of the small conversation")
    app.open_conversation(bob_name)
    app.wait_message(f"message {messages - 1} of the benchmark")
    home = app.home
    app.close()
    server.stop()
    return home, titles


def main():
    home, (bob_name,) = seed(MESSAGES)

    cold, marked = [], []
    for run in range(RUNS):
        app = t.App(f"cold{run}", screenshots=False)
        app.home = home
        app.open()
        pid = app_pids(home)[0]
        item = f"//nav[@aria-label='Conversations']//*[@role='listitem']//*[normalize-space(.)='{bob_name}']"
        while app.by_xpath(item) is None:
            time.sleep(0.01)
        painted = time.monotonic()
        started = process_start_monotonic(pid)
        cold.append((painted - started) * 1000)
        # The page's own User Timing mark (ConversationList): when the list was committed,
        # without the WebDriver polling delay. Its epoch time is moved onto the monotonic clock.
        mark = app.driver.execute_script(
            "const m = performance.getEntriesByName('parley:list-painted')[0];"
            "return m ? performance.timeOrigin + m.startTime : null;")
        if mark is not None:
            marked.append((time.monotonic() - (time.time() - mark / 1000) - started) * 1000)
        if run < RUNS - 1:
            app.close()
    print("cold start to cached list painted (ms):", [round(c) for c in cold], flush=True)
    if marked:
        print("  by the page's own mark (ms):", [round(c) for c in marked], flush=True)

    app.open_conversation(bob_name)
    app.wait_message(f"message {MESSAGES - 1} of the benchmark")
    print(f"conversation of {MESSAGES} cached messages open; idling {IDLE_SECONDS} s…", flush=True)
    time.sleep(IDLE_SECONDS)
    pids = app_pids(home)
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
        kib = rss_kib(pid)
        total += kib
        print(f"  {pid} {comm}: {kib / 1024:.1f} MiB")
    print(f"idle memory after {IDLE_SECONDS} s, all app processes: {total / 1024:.1f} MiB", flush=True)
    totals = memory_report(pids, f"idle {IDLE_SECONDS} s")
    print(f"idle memory after {IDLE_SECONDS} s, all app processes: RSS {totals['rss'] / 1024:.1f} MiB, "
          f"PSS {totals['pss'] / 1024:.1f} MiB, USS {totals['uss'] / 1024:.1f} MiB", flush=True)
    app.close()


if __name__ == "__main__":
    main()
