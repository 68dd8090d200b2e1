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

BENCH_SOAK_MINUTES=60 runs the soak instead (see `soak`): live traffic into the open app, PSS
per process sampled every minute into a CSV and a PNG plot (docs/footprint-soak.*).

Cold start is measured from the app process's start time (/proc/PID/stat, 10 ms ticks) to the
moment the cached conversation list is visible in the webview (polled every 10 ms over
WebDriver), with the server stopped, so only the local cache can paint it.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import test_desktop as t  # noqa: E402  (the same harness as the end-to-end tests)

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "10000"))
IDLE_SECONDS = int(os.environ.get("BENCH_IDLE_SECONDS", "300"))
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "5"))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def rest(server, method, path, token=None, body=None, raw=None, content_type="application/json"):
    """One REST call: a JSON `body`, or `raw` bytes of `content_type`."""
    req = urllib.request.Request(server.url + path, method=method)
    req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, data, timeout=60) as r:
        answer = r.read()
        return json.loads(answer) if answer else None


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


def web_process_kib(home):
    """memory_kib of the app's web process (summed, should WebKit run more than one)."""
    total = {}
    for pid in app_pids(home):
        with open(f"/proc/{pid}/comm") as f:
            if f.read().startswith("WebKitWebProc"):
                for k, v in memory_kib(pid).items():
                    total[k] = total.get(k, 0) + v
    return total


def mappings_kib(pid, anon_by_address=False):
    """PSS (KiB) of one process by mapping name (anonymous mappings together as "[anon]", or
    each as "[anon perms start+size]" with `anon_by_address`, to tell the JIT's executable pool
    and the allocators' reservations apart)."""
    by_name, name = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if not head[0].endswith(":"):  # a mapping header: address perms offset dev inode [name]
                name = head[5] if len(head) > 5 else "[anon]"
                if name == "[anon]" and anon_by_address:
                    start, end = (int(a, 16) for a in head[0].split("-"))
                    name = f"[anon {head[1]} {start:x}+{(end - start) >> 20}M]"
            elif head[0] == "Pss:":
                by_name[name] = by_name.get(name, 0) + int(head[1])
    return by_name


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


def seed(messages, empty_conversation=False, senders=None):
    """Signs a user up in the app and has a second user send MESSAGES into their direct
    conversation (and, with empty_conversation, a third user one message), until the app has
    cached them; stops the server. Returns the app's home and the conversation titles. With
    `senders` (a list), the server and a Sender per conversation are appended to it, for
    live traffic after the server is started again."""
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
    if senders is not None:
        senders.append(server)
        senders.append(Sender(server, bob_name, "bob-password", conv["id"]))
        if empty_conversation:
            senders.append(Sender(server, carol_name, "carol-password", small["id"]))
    return home, titles


class Sender:
    """Another user sending into one conversation over REST, signing in again whenever the
    access token has expired (a soak outlives it)."""

    def __init__(self, server, username, password, conversation):
        self.server, self.username, self.password, self.conversation = server, username, password, conversation
        self.token = None

    def _call(self, method, path, body=None, raw=None, content_type="application/json"):
        for attempt in range(2):
            if self.token is None:
                auth = rest(self.server, "POST", "/api/v1/auth/login",
                            body={"username": self.username, "password": self.password})
                self.token = auth["session"]["access_token"]
            try:
                return rest(self.server, method, path, self.token, body, raw, content_type)
            except urllib.error.HTTPError as e:
                if e.code != 401 or attempt == 1:
                    raise
                self.token = None

    def send(self, body, attachment_ids=()):
        self._call("POST", f"/api/v1/conversations/{self.conversation}/messages",
                   {"client_id": str(uuid.uuid4()), "body": body, "attachment_ids": list(attachment_ids)})

    def send_picture(self, name, png):
        uploaded = self._call("POST", f"/api/v1/attachments?name={name}", raw=png, content_type="image/png")
        self.send("", [uploaded["id"]])


def picture(n, size=(960, 640)):
    """A PNG that differs each time (so no two thumbnails are alike)."""
    import io
    import random
    from PIL import Image, ImageDraw
    rng = random.Random(n)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)),
                     fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def floor_report():
    """WebKitGTK's own share under the same harness: a fresh app (signed out, tuned as
    shipped) whose page is navigated to about:blank, idle like the measured app."""
    app = t.App("floor", screenshots=False).open()
    app.driver.get("about:blank")
    time.sleep(min(IDLE_SECONDS, 60))
    home = app.home
    print(f"floor: the app showing about:blank, idle {min(IDLE_SECONDS, 60)} s", flush=True)
    totals = memory_report(app_pids(home), "about:blank")
    app.close()
    return totals


def open_live(name, messages, empty_conversation=False):
    """A seeded app (see `seed`) started again with its server live, online, showing the
    big conversation: (home, titles, server, senders, app)."""
    live = []
    home, titles = seed(messages, empty_conversation=empty_conversation, senders=live)
    server, *senders = live
    server.start()
    app = t.App(name, screenshots=False)
    app.home = home
    app.open()
    app.wait(lambda: app.status() == "Online", "online")
    app.open_conversation(titles[0])
    app.wait_message(f"message {messages - 1} of the benchmark")
    return home, titles, server, senders, app


def soak(minutes):
    """An hour (MINUTES) of live traffic into the open app, once it has settled (idle
    BENCH_IDLE_SECONDS with the big conversation open, as for the idle figure): Bob sends a
    message every 5 s and a picture every minute into the big conversation, Carol a message
    every 10 s into the small one, and the app switches between the two every 30 s. PSS per
    process is sampled every minute into BENCH_SOAK_CSV, plotted into BENCH_SOAK_PNG.

    To tell which traffic grows what: BENCH_SOAK_TRAFFIC picks the kinds (comma-separated, of
    "messages", "pictures", "switching"; default all) and BENCH_SOAK_TICK the seconds between
    steps (default 5; the rates above scale with it, samples stay a minute apart)."""
    import csv
    traffic = set(os.environ.get("BENCH_SOAK_TRAFFIC", "messages,pictures,switching").split(","))
    step = float(os.environ.get("BENCH_SOAK_TICK", "5"))
    per_minute = max(1, round(60 / step))
    home, (big, small), server, (bob, carol), app = open_live("soak", MESSAGES, empty_conversation=True)
    # Growth is counted from the settled app (the idle figure's state), not from its first
    # seconds, when the page is still being built.
    print(f"settling {IDLE_SECONDS} s before the traffic starts…", flush=True)
    time.sleep(IDLE_SECONDS)
    csv_path = os.environ.get("BENCH_SOAK_CSV", "docs/footprint-soak.csv")
    png_path = os.environ.get("BENCH_SOAK_PNG", "docs/footprint-soak.png")
    samples = []  # (minute, {process: pss_kib})
    mappings = {}  # process: [its PSS by mapping at minute 0, at the end], anonymous ones each on its own
    started = time.monotonic()
    tick, shown, errors = 0, big, 0
    with open(csv_path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["minute", "pid", "process", "rss_kib", "pss_kib", "uss_kib", "pss_anon_kib"])
        while True:
            if tick % per_minute == 0:  # every minute, first thing: a sample
                minute = tick // per_minute
                by_process = {}
                for pid in app_pids(home):
                    try:
                        with open(f"/proc/{pid}/comm") as c:
                            comm = c.read().strip()
                        m = memory_kib(pid)
                    except OSError:
                        continue
                    by_process[comm] = by_process.get(comm, 0) + m["pss"]
                    if minute == 0 or minute >= minutes:
                        mappings.setdefault(comm, []).append(mappings_kib(pid, anon_by_address=True))
                    out.writerow([minute, pid, comm, m["rss"], m["pss"], m["uss"], m["pss_anon"]])
                f.flush()
                samples.append((minute, by_process))
                total = sum(by_process.values()) / 1024
                print(f"minute {minute:3d}: PSS {total:6.1f} MiB "
                      + " ".join(f"{k} {v / 1024:.1f}" for k, v in sorted(by_process.items())), flush=True)
                if minute >= minutes:
                    break
            if tick > 0 and tick % 12 == 0 and "pictures" in traffic:
                try:
                    bob.send_picture(f"picture-{tick}.png", picture(tick))
                except Exception as e:  # noqa: BLE001 (a soak logs and goes on)
                    errors += 1
                    print(f"  picture {tick} failed: {e}", flush=True)
            try:
                if "messages" in traffic:
                    bob.send(f"live message {tick} into the big conversation")
                    if tick % 2 == 0:
                        carol.send(f"live message {tick} into the small conversation")
                if "switching" in traffic and tick % 6 == 5:  # every 30 s
                    shown = small if shown == big else big
                    app.open_conversation(shown)
            except Exception as e:  # noqa: BLE001
                errors += 1
                print(f"  tick {tick} failed: {e}", flush=True)
            tick += 1
            time.sleep(max(0.0, started + tick * step - time.monotonic()))
    app.close()
    server.stop()
    first, last = sum(samples[0][1].values()), sum(samples[-1][1].values())
    print(f"soak: {minutes} min of {','.join(sorted(traffic))} every {step:g} s, PSS {first / 1024:.1f} → {last / 1024:.1f} MiB "
          f"({(last - first) * 100 / first:+.1f} %), {errors} failed steps", flush=True)
    # Where the growth is: the mappings whose PSS changed most from minute 0 to the end.
    for comm, (before, after) in ((c, m) for c, m in sorted(mappings.items()) if len(m) == 2):
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after)}
        grouped = {}
        for name, kib in delta.items():
            key = "[anon]" if name.startswith("[anon ") else name
            grouped[key] = grouped.get(key, 0) + kib
        print(f"{comm}: PSS change by mapping, minute 0 → {minutes} (MiB):", flush=True)
        for name, kib in sorted(grouped.items(), key=lambda kv: -abs(kv[1]))[:8]:
            print(f"  {kib / 1024:+7.1f}  {name}", flush=True)
        print(f"{comm}: the anonymous mappings that changed most (MiB):", flush=True)
        anon = {k: v for k, v in delta.items() if k.startswith("[anon ")}
        for name, kib in sorted(anon.items(), key=lambda kv: -abs(kv[1]))[:6]:
            print(f"  {kib / 1024:+7.1f}  {name}", flush=True)
    plot(samples, png_path, minutes)


def plot(samples, path, minutes):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = sorted({name for _, by in samples for name in by})
    x = [m for m, _ in samples]
    mib = lambda kib: kib / 1024  # noqa: E731
    fig, ax = plt.subplots(figsize=(9.5, 4.5), dpi=100)
    ax.stackplot(x, *[[mib(by.get(n, 0)) for _, by in samples] for n in names], labels=names, alpha=0.8)
    total = [mib(sum(by.values())) for _, by in samples]
    ax.plot(x, total, color="black", linewidth=1.5, label="sum")
    ax.axhline(total[0] * 1.1, color="tab:red", linestyle="--", linewidth=1, label="start + 10 %")
    ax.axhline(200, color="tab:gray", linestyle=":", linewidth=1, label="200 MiB")
    ax.set_xlabel("minutes of live traffic")
    ax.set_ylabel("PSS, MiB")
    ax.set_xlim(0, minutes)
    ax.set_ylim(0, max(220, max(total) * 1.1))
    ax.set_title("Parley desktop: PSS per process over a soak (docs/PERFORMANCE.md)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    print(f"plot: {path}", flush=True)


def main():
    soak_minutes = int(os.environ.get("BENCH_SOAK_MINUTES", "0"))
    if soak_minutes > 0:
        soak(soak_minutes)
        return
    home, (bob_name,) = seed(MESSAGES)

    cold, marked, phases = [], [], []
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
        # Split at the page's navigation start (timeOrigin): before it the process, GTK, Tauri,
        # the web view and WebKit's web process starting; after it the page (its scripts, the
        # first reads over IPC, React's first render).
        origin, mark = app.driver.execute_script(
            "const m = performance.getEntriesByName('parley:list-painted')[0];"
            "return [performance.timeOrigin, m ? m.startTime : null];")
        if mark is not None:
            epoch_to_monotonic = time.monotonic() - time.time()
            marked.append((epoch_to_monotonic + (origin + mark) / 1000 - started) * 1000)
            phases.append(((epoch_to_monotonic + origin / 1000 - started) * 1000, mark))
        if run < RUNS - 1:
            app.close()
    print("cold start to cached list painted (ms):", [round(c) for c in cold], flush=True)
    if marked:
        print("  by the page's own mark (ms):", [round(c) for c in marked], flush=True)
        print("  of which until the page's navigation start (ms):", [round(a) for a, _ in phases], flush=True)
        print("  and the page, navigation start to the mark (ms):", [round(b) for _, b in phases], flush=True)

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
    floor = floor_report()
    print(f"Parley's own share over the floor: PSS {(totals['pss'] - floor['pss']) / 1024:.1f} MiB", flush=True)


if __name__ == "__main__":
    main()
