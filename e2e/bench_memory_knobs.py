"""Idle memory of the desktop app under settings that need no rebuild (environment variables
read by WebKitGTK, JavaScriptCore, Mesa, glibc), one configuration at a time, on one seeded
cache: for each, a fresh app is started (cold start to the cached list painted is noted; CPU is
shared, so it is noisy), a conversation is opened, the app idles, and RSS/PSS/USS are summed
over its processes (bench_desktop.memory_report).

Not a test. Run like bench_desktop.py (Xvfb, keyring, PARLEY_DESKTOP, PARLEY_SERVER_BIN,
TAURI_DRIVER). BENCH_MESSAGES (10000), BENCH_IDLE_SECONDS (60); BENCH_KNOBS selects
configurations by name (comma-separated; default all). The configurations "empty" and "list"
open the one-message conversation or none at all, to separate the UI's share from WebKit's;
"list-direct*" start the app without WebDriver, to see what the automation session costs.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import bench_desktop as b  # noqa: E402
import test_desktop as t  # noqa: E402

IDLE_SECONDS = int(os.environ.get("BENCH_IDLE_SECONDS", "60"))

# (name, environment, which conversation to open: "big", "empty" or None)
CONFIGS = [
    ("baseline", {}, "big"),
    # The app's own levers (src-tauri/src/memory.rs), all on in "baseline": off, then one at a time.
    ("tuning-off", {"PARLEY_WEBVIEW_TUNING": "none"}, "big"),
    ("only-cache-model", {"PARLEY_WEBVIEW_TUNING": "cache-model"}, "big"),
    ("only-settings", {"PARLEY_WEBVIEW_TUNING": "settings"}, "big"),
    ("only-network-pressure", {"PARLEY_WEBVIEW_TUNING": "network-pressure"}, "big"),
    # JavaScriptCore's small-heap mode (heap grows 1.2× between collections) with the JIT kept,
    # and a first collection at 8 MiB instead of 32.
    ("jsc-mini", {"JSC_forceMiniVMMode": "1"}, "big"),
    ("jsc-mini-8m", {"JSC_forceMiniVMMode": "1", "JSC_largeHeapSize": "8388608"}, "big"),
    ("gdk-gl-off", {"GDK_GL": "disable", "WEBKIT_DISABLE_DMABUF_RENDERER": "1"}, "big"),
    ("glibc-trim", {"MALLOC_TRIM_THRESHOLD_": "131072", "MALLOC_ARENA_MAX": "2"}, "big"),
    ("pas-off", {"Malloc": "1"}, "big"),
    # No EGL vendor for libglvnd: neither process can load Mesa (and libLLVM behind llvmpipe).
    ("egl-none", {"__EGL_VENDOR_LIBRARY_FILENAMES": "/nonexistent.json"}, "big"),
    ("egl-none-gl-off", {"__EGL_VENDOR_LIBRARY_FILENAMES": "/nonexistent.json", "GDK_GL": "disable",
                         "WEBKIT_DISABLE_DMABUF_RENDERER": "1"}, "big"),
    ("egl-none-jsc-mini-8m", {"__EGL_VENDOR_LIBRARY_FILENAMES": "/nonexistent.json",
                              "JSC_forceMiniVMMode": "1", "JSC_largeHeapSize": "8388608"}, "big"),
    ("empty", {}, "empty"),
    ("list", {}, None),
    ("no-compositing", {"WEBKIT_DISABLE_COMPOSITING_MODE": "1"}, "big"),
    ("no-dmabuf", {"WEBKIT_DISABLE_DMABUF_RENDERER": "1"}, "big"),
    ("skia-cpu", {"WEBKIT_SKIA_ENABLE_CPU_RENDERING": "1"}, "big"),
    ("skia-1-thread", {"WEBKIT_SKIA_CPU_PAINTING_THREADS": "1", "WEBKIT_SKIA_GPU_PAINTING_THREADS": "0"}, "big"),
    ("gl-software", {"LIBGL_ALWAYS_SOFTWARE": "1"}, "big"),
    ("jsc-no-jit", {"JSC_useJIT": "0"}, "big"),
    ("jsc-no-dfg-ftl", {"JSC_useDFGJIT": "0", "JSC_useFTLJIT": "0"}, "big"),
    ("malloc-arena-2", {"MALLOC_ARENA_MAX": "2"}, "big"),
    ("no-sandbox", {"WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS": "1"}, "big"),
    ("gsk-cairo", {"GSK_RENDERER": "cairo"}, "big"),
    ("list-direct", {}, "direct"),
    ("list-direct-no-compositing", {"WEBKIT_DISABLE_COMPOSITING_MODE": "1"}, "direct"),
    ("no-compositing-no-dmabuf", {"WEBKIT_DISABLE_COMPOSITING_MODE": "1", "WEBKIT_DISABLE_DMABUF_RENDERER": "1"}, "big"),
    ("no-compositing-skia-cpu", {"WEBKIT_DISABLE_COMPOSITING_MODE": "1", "WEBKIT_SKIA_ENABLE_CPU_RENDERING": "1"}, "big"),
    ("no-compositing-no-jit", {"WEBKIT_DISABLE_COMPOSITING_MODE": "1", "JSC_useJIT": "0"}, "big"),
    ("combined", {
        "WEBKIT_DISABLE_COMPOSITING_MODE": "1",
        "JSC_useDFGJIT": "0", "JSC_useFTLJIT": "0",
        "MALLOC_ARENA_MAX": "2",
    }, "big"),
]


def main():
    wanted = [n for n in os.environ.get("BENCH_KNOBS", "").split(",") if n]
    configs = [c for c in CONFIGS if not wanted or c[0] in wanted]
    home, (big, empty) = b.seed(b.MESSAGES, empty_conversation=True)
    last_message = {
        "big": f"message {b.MESSAGES - 1} of the benchmark",
        "empty": "the only message of the small conversation",
    }
    title = {"big": big, "empty": empty}
    rows = []
    for n, (name, env, which) in enumerate(configs):
        print(f"== {name} {env} conversation={which}", flush=True)
        if which == "direct":
            # The app alone, without tauri-driver/WebKitWebDriver (no automation session): it
            # shows the conversation list; nothing to click, so no cold start either.
            proc = subprocess.Popen([t.APP], env=dict(os.environ, PARLEY_HOME=home, **env),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(IDLE_SECONDS)
            totals = b.memory_report(b.app_pids(home), f"{name}, idle {IDLE_SECONDS} s")
            rows.append((name, float("nan"), totals))
            proc.terminate()
            proc.wait(timeout=t.WAIT)
            continue
        app = t.App(f"knob{n}", env=env, screenshots=False)
        app.home = home
        app.open()
        pid = b.app_pids(home)[0]
        item = f"//nav[@aria-label='Conversations']//*[@role='listitem']//*[normalize-space(.)='{big}']"
        while app.by_xpath(item) is None:
            time.sleep(0.01)
        cold_ms = (time.monotonic() - b.process_start_monotonic(pid)) * 1000
        if which:
            app.open_conversation(title[which])
            app.wait_message(last_message[which])
        time.sleep(IDLE_SECONDS)
        totals = b.memory_report(b.app_pids(home), f"{name}, idle {IDLE_SECONDS} s")
        rows.append((name, cold_ms, totals))
        if os.environ.get("BENCH_SMAPS"):
            for p in b.app_pids(home):
                with open(f"/proc/{p}/comm") as f:
                    print(f"  top PSS mappings of {p} {f.read().strip()}:")
                for mapping, kib in sorted(b.mappings_kib(p).items(), key=lambda kv: -kv[1])[:12]:
                    print(f"    {kib / 1024:7.1f} MiB  {mapping}")
        app.close()
    print(f"\n| configuration | cold start ms | RSS sum | PSS sum | USS sum | PSS file | PSS anon |  (MiB, idle {IDLE_SECONDS} s)")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, cold_ms, m in rows:
        print(f"| {name} | {cold_ms:.0f} | {m['rss'] / 1024:.0f} | {m['pss'] / 1024:.0f} | {m['uss'] / 1024:.0f} "
              f"| {m['pss_file'] / 1024:.0f} | {m['pss_anon'] / 1024:.0f} |", flush=True)


if __name__ == "__main__":
    main()
