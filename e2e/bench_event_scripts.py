"""Does the way events reach the page grow the web process? Tauri delivers each event as a
script WebKit evaluates, with the payload in its text, so every event is a new source for
JavaScriptCore's code cache. This evaluates N distinct event-sized scripts in the running app
(signed out), then N identical ones in a fresh app, twice each, and prints the web process's
PSS before and after (docs/PERFORMANCE.md, "Desktop footprint").

Not a test. Run like bench_desktop.py (Xvfb, keyring, PARLEY_DESKTOP, TAURI_DRIVER); N
(default 3000).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import bench_desktop as b  # noqa: E402
import test_desktop as t  # noqa: E402

N = int(os.environ.get("N", "3000"))
# The shape of Tauri's event script (tauri::event::emit_js_script), as <script> elements.
JS = """
const n = arguments[0], distinct = arguments[1];
const pad = 'x'.repeat(400);
for (let i = 0; i < n; i++) {
  const s = document.createElement('script');
  s.textContent = distinct
    ? "(function () { const fn = window['__probe']; fn && fn({event: 'parley://events', payload: [{type: 'applied', n: " + i + ", pad: '" + pad + "'}]}, [1]) })()"
    : "(function () { const fn = window['__probe']; fn && fn({event: 'parley://events', payload: null}, [1]) })()";
  document.head.appendChild(s);
  s.remove();
}
return n;
"""


def web_process_pss_mib(home):
    return b.web_process_kib(home)["pss"] / 1024


def main():
    for distinct in (True, False, True, False):
        app = t.App(f"scripts-{'distinct' if distinct else 'same'}", screenshots=False).open()
        time.sleep(8)
        before = web_process_pss_mib(app.home)
        for _ in range(4):
            app.driver.execute_script(JS, N // 4, distinct)
            time.sleep(1)
        time.sleep(15)
        after = web_process_pss_mib(app.home)
        print(f"{'distinct' if distinct else 'identical'} scripts ×{N}: web process PSS "
              f"{before:.1f} → {after:.1f} MiB ({after - before:+.1f})", flush=True)
        app.close()


if __name__ == "__main__":
    main()
