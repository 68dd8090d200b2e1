"""What grows the web process when messages arrive? The app is signed in with a seeded
conversation open and settled; then, one phase at a time, the web process's PSS (and its
anonymous part) is sampled after: N reads over IPC of what a message makes the page re-read
(the conversation list and the open conversation's newest page), with no message; then N
messages from the other user arriving into the open conversation (the whole path: event,
re-reads, render, read marker); then the same again, to see whether the cost repeats or was
paid once (docs/PERFORMANCE.md, "Desktop footprint").

Not a test. Run like bench_desktop.py (Xvfb, keyring, PARLEY_DESKTOP, PARLEY_SERVER_BIN,
TAURI_DRIVER); BENCH_MESSAGES (default 1000) seeds the conversation, N (default 300) per phase.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import bench_desktop as b  # noqa: E402

N = int(os.environ.get("N", "300"))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "1000"))

# The reads one arriving message makes the page do, without the message.
READS = """
const [n, done] = [arguments[0], arguments[arguments.length - 1]];
const invoke = window.__TAURI_INTERNALS__.invoke;
(async () => {
  const [{ conversation: { id } }] = await invoke('conversations');  // the one seeded conversation
  for (let i = 0; i < n; i++) {
    await invoke('conversations');
    await invoke('messages', { conversationId: id, before: null, limit: 100 });
  }
  return n;
})().then(done, (e) => done(String(e)));
"""


def main():
    home, _, server, (bob,), app = b.open_live("churn", MESSAGES)
    time.sleep(45)

    def sample(label, before=None):
        time.sleep(20)
        m = b.web_process_kib(home)
        now = (m["pss"] / 1024, m["pss_anon"] / 1024)
        change = f" ({now[0] - before[0]:+.1f}, anon {now[1] - before[1]:+.1f})" if before else ""
        print(f"{label}: web process PSS {now[0]:.1f} MiB, anon {now[1]:.1f}{change}", flush=True)
        return now

    start = sample("settled")
    app.driver.set_script_timeout(600)
    answer = app.driver.execute_async_script(READS, N)
    if answer != N:
        raise SystemExit(f"the reads failed: {answer}")
    previous = sample(f"after {N}× (conversation list + newest page) over IPC, no message", start)
    for round_ in (1, 2):
        for i in range(N):
            bob.send(f"churn message {round_}.{i}")
            time.sleep(0.2)
        app.wait_message(f"churn message {round_}.{N - 1}")
        previous = sample(f"after {N} messages arriving (round {round_})", previous)
    app.close()
    server.stop()


if __name__ == "__main__":
    main()
