#!/usr/bin/env python3
"""Start-up time and memory of the Belfry window beside an empty Tauri 2 app.

Both are built the same way (`cargo build --release -p belfry-desktop -p belfry-bench-empty`)
and started the same way: a WebDriver session through tauri-driver, timed from the request
until the page marks itself ready (`body[data-ready=true]`: for Belfry, once the Schedule form
and its first preview are up; for the empty app, once its one script has run). Then the PSS
of the app and of its WebKit processes is summed from /proc/PID/smaps_rollup.

Run under Xvfb and a D-Bus session:
  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x900x24" python3 bench/startup.py
BELFRY_COMPARE=<path of another belfry-desktop build> measures it in the same run too.
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/belfry/target"))
RUNS = int(os.environ.get("RUNS", "7"))
APPS = {
    "belfry": os.path.join(TARGET, "release", "belfry-desktop"),
    "empty": os.path.join(TARGET, "release", "belfry-bench-empty"),
}
# Another build of the window to measure beside this one (an earlier commit's, say).
if os.environ.get("BELFRY_COMPARE"):
    APPS["compared"] = os.environ["BELFRY_COMPARE"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r).get("value")
    except urllib.error.HTTPError as e:
        return json.load(e).get("value")


def descendants(pid):
    out = [pid]
    for child in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split():
        out += descendants(int(child))
    return out


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def one_run(binary):
    data_dir = tempfile.mkdtemp()
    port, native = free_port(), free_port()
    env = dict(os.environ, BELFRY_DATA_DIR=data_dir)
    driver = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(native)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/status", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": binary}}}}
        t0 = time.perf_counter()
        session = call("POST", f"{base}/session", caps)["sessionId"]
        while True:
            found = call("POST", f"{base}/session/{session}/element",
                         {"using": "css selector", "value": "body[data-ready='true']"})
            if isinstance(found, dict) and any(k.startswith("element-") for k in found):
                break
            if time.perf_counter() - t0 > 60:
                raise RuntimeError("never ready")
            time.sleep(0.01)
        ready_ms = (time.perf_counter() - t0) * 1000
        time.sleep(2)  # let the processes settle before measuring memory
        name = os.path.basename(binary)
        app_pid = int(subprocess.run(["pgrep", "-n", "-x", name[:15]], capture_output=True, text=True).stdout.split()[0])
        pids = descendants(app_pid)
        # WebKit's web and network processes are children of the app.
        mem_mib = sum(pss_kib(p) for p in pids) / 1024
        app_only = pss_kib(app_pid) / 1024
        call("DELETE", f"{base}/session/{session}")
        return ready_ms, mem_mib, app_only, len(pids)
    finally:
        driver.kill()
        driver.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


def main():
    for name, binary in APPS.items():
        if not os.path.exists(binary):
            sys.exit(f"{binary} is missing: cargo build --release -p belfry-desktop -p belfry-bench-empty")
    results = {}
    for name, binary in APPS.items():
        one_run(binary)  # warm the page cache once; every measured run is a warm start
        runs = [one_run(binary) for _ in range(RUNS)]
        results[name] = runs
        ready = [r[0] for r in runs]
        mem = [r[1] for r in runs]
        app = [r[2] for r in runs]
        print(f"{name:7s} ready: median {statistics.median(ready):7.1f} ms (min {min(ready):.1f}, max {max(ready):.1f}); "
              f"PSS app+WebKit: median {statistics.median(mem):6.1f} MiB (app alone {statistics.median(app):.1f} MiB, "
              f"{runs[0][3]} processes)")


if __name__ == "__main__":
    main()
