#!/usr/bin/env python3
"""Meetings from a CSV onto a local CalDAV server: `belfry schedule --from-csv` beside minimal
loops with plain HTTP: as many PUTs of small pre-rendered events on one keep-alive connection
(the baseline), the same with a new connection per PUT, the keep-alive PUTs each followed by
a GET (what a client must read on a scheduling server to learn whom it could not tell), and
that PUT+GET loop with the very events Belfry wrote (read back, each under a new UID).

The server is Xandikos (BELFRY_BENCH_SERVER=xandikos, the default), which keeps connections
alive, or Radicale (=radicale), whose built-in server answers HTTP/1.0 and closes after each
request, so that no client can reuse a connection there.

Belfry's run includes everything a user's run does: the outbox rows written (SQLite,
synchronous=FULL) before each request and confirmed after, rendering the invitation and the
calendar object, the `If-None-Match: *` PUT. The loops only send the bytes. They
alternate, BELFRY_BENCH_RUNS times (3), each on calendars and a database of its own, with
BELFRY_BENCH_ROWS rows (100).

Run under a D-Bus session with an unlocked keyring (the account's password lives there):
  dbus-run-session -- sh -c 'printf pw | gnome-keyring-daemon --unlock --components=secrets; python3 bench/caldav.py'
"""

import http.client
import base64
import os
import re
import shutil
import socket
import subprocess
import tempfile
import statistics
import time

TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/belfry/target"))
BELFRY = os.environ.get("BELFRY_BIN", os.path.join(TARGET, "release", "belfry"))
VENV = os.environ.get("BELFRY_VENV", os.path.expanduser("~/.cache/belfry/venv"))
N = int(os.environ.get("BELFRY_BENCH_ROWS", "100"))
RUNS = int(os.environ.get("BELFRY_BENCH_RUNS", "3"))
SERVER = os.environ.get("BELFRY_BENCH_SERVER", "xandikos")
AUTH = "Basic " + base64.b64encode(b"ana:ana-app-password").decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port):
    """Returns once something accepts connections on `port` (at most 10 s)."""
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)


def radicale():
    d = tempfile.mkdtemp()
    port = free_port()
    with open(os.path.join(d, "users"), "w") as f:
        f.write("ana:ana-app-password\n")
    with open(os.path.join(d, "config"), "w") as f:
        f.write(f"[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = htpasswd\nhtpasswd_filename = {d}/users\n"
                f"htpasswd_encryption = plain\n[storage]\nfilesystem_folder = {d}/collections\n[logging]\nlevel = warning\n")
    p = subprocess.Popen([os.path.join(VENV, "bin", "radicale"), "--config", os.path.join(d, "config")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port)
    return p, port, d


def xandikos():
    d = tempfile.mkdtemp()
    port = free_port()
    p = subprocess.Popen([os.path.join(VENV, "bin", "xandikos"), "serve", "--defaults", "-d", d, "-l", "127.0.0.1",
                          "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port)
    return p, port, d


def request(port, method, path, body=b"", headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port)
    h = {"Authorization": AUTH}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def mkcalendar(port, path):
    body = (b'<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            b"<d:set><d:prop><d:displayname>Bench</d:displayname></d:prop></d:set></c:mkcalendar>")
    assert request(port, "MKCALENDAR", path, body, {"Content-Type": "text/xml"}) in (200, 201)


def event(i):
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:loop-{i}@bench\r\n"
            f"DTSTAMP:20270201T120000Z\r\nDTSTART:20270301T{10 + i % 8:02d}0000Z\r\nDTEND:20270301T{11 + i % 8:02d}0000Z\r\n"
            f"SUMMARY:Lecture {i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def belfry_run(port, home, run):
    """One `belfry schedule --from-csv` of N rows onto a calendar and a database of its own."""
    data = tempfile.mkdtemp()
    env = dict(os.environ, BELFRY_DATA_DIR=data)
    try:
        calendar = f"{home}belfry-{run}/"
        mkcalendar(port, calendar)
        subprocess.run([BELFRY, "accounts", "add", "caldav", "--name", "Bench", "--url", f"http://127.0.0.1:{port}",
                        "--username", "ana", "--password-stdin"], input=b"ana-app-password\n", env=env, check=True,
                       stderr=subprocess.DEVNULL)
        subprocess.run([BELFRY, "accounts", "default-calendar", "Bench", f"http://127.0.0.1:{port}{calendar}"],
                       env=env, check=True, stderr=subprocess.DEVNULL)
        csv = os.path.join(data, "rows.csv")
        with open(csv, "w") as f:
            f.write("title,start,tz,duration,attendees,organizer\n")
            for i in range(N):
                f.write(f"Lecture {i},2027-{1 + i // 252 % 12:02d}-{1 + i % 28:02d}T{8 + i // 28 % 9:02d}:00,"
                        f"Europe/Berlin,1h,ana@example.com;bob@example.com,prof@example.edu\n")
        t0 = time.perf_counter()
        subprocess.run([BELFRY, "schedule", "--account", "Bench", "--from-csv", csv], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0, calendar
    finally:
        shutil.rmtree(data, ignore_errors=True)


def belfrys_events(port, calendar):
    """The events Belfry wrote, as the server holds them, each under a UID of its own."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("PROPFIND", calendar, body=b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/>'
                 b"</d:prop></d:propfind>", headers={"Authorization": AUTH, "Depth": "1", "Content-Type": "text/xml"})
    r = conn.getresponse()
    listing = r.read().decode()
    hrefs = [h for h in re.findall(r"<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>", listing) if h.endswith(".ics")]
    bodies = []
    for i, href in enumerate(hrefs):
        conn.request("GET", href, headers={"Authorization": AUTH})
        r = conn.getresponse()
        text = r.read().decode()
        bodies.append(re.sub(r"\r\nUID:[^\r]*", f"\r\nUID:copy-{i}@bench", text, count=1).encode())
    conn.close()
    assert len(bodies) == N, (len(bodies), N)
    return bodies


def loop_run(port, home, run, keep_alive, read_back=False, bodies=None):
    """N PUTs of pre-rendered events onto a calendar of their own; with `read_back`, each
    followed by a GET of the event, as a client needs on a scheduling server (RFC 6638) to
    learn from SCHEDULE-STATUS whom the server could not tell."""
    calendar = f"{home}loop-{'k' if keep_alive else 'n'}{'g' if read_back else ''}{'b' if bodies else ''}-{run}/"
    mkcalendar(port, calendar)
    bodies = bodies or [event(i) for i in range(N)]
    headers = {"Authorization": AUTH, "Content-Type": "text/calendar", "If-None-Match": "*"}
    conn = http.client.HTTPConnection("127.0.0.1", port)
    t0 = time.perf_counter()
    for i, b in enumerate(bodies):
        if not keep_alive:
            conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("PUT", f"{calendar}loop-{i}.ics", body=b, headers=headers)
        r = conn.getresponse()
        r.read()
        assert r.status in (201, 204), r.status
        if read_back:
            conn.request("GET", f"{calendar}loop-{i}.ics", headers={"Authorization": AUTH})
            r = conn.getresponse()
            r.read()
            assert r.status == 200, r.status
        if not keep_alive:
            conn.close()
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def main():
    if not os.path.exists(BELFRY):
        raise SystemExit(f"{BELFRY} is missing: cargo build --release -p belfry-cli")
    server, port, sdir = xandikos() if SERVER == "xandikos" else radicale()
    home = "/user/calendars/" if SERVER == "xandikos" else "/ana/"
    try:
        rows = []
        for run in range(RUNS):
            b, written = belfry_run(port, home, run)
            k = loop_run(port, home, run, keep_alive=True)
            n = loop_run(port, home, run, keep_alive=False)
            g = loop_run(port, home, run, keep_alive=True, read_back=True)
            same = loop_run(port, home, run, keep_alive=True, read_back=True, bodies=belfrys_events(port, written))
            rows.append((b, k, n, g, same))
            print(f"run {run + 1}: belfry {b * 1000:6.0f} ms   keep-alive loop {k * 1000:6.0f} ms   "
                  f"new-connection loop {n * 1000:6.0f} ms   keep-alive PUT+GET loop {g * 1000:6.0f} ms   "
                  f"the same with Belfry's events {same * 1000:6.0f} ms   belfry/keep-alive {b / k:.2f}x", flush=True)
        b, k, n, g, same = (statistics.median(c) for c in zip(*rows))
        print(f"{SERVER}, median of {RUNS}, {N} meetings: belfry {b * 1000:.0f} ms ({b * 1000 / N:.1f} ms each), "
              f"keep-alive loop {k * 1000:.0f} ms ({k * 1000 / N:.1f} ms each), "
              f"new-connection loop {n * 1000:.0f} ms, keep-alive PUT+GET loop {g * 1000:.0f} ms, "
              f"with Belfry's events {same * 1000:.0f} ms; belfry/keep-alive {b / k:.2f}x, "
              f"belfry/PUT+GET of its own events {b / same:.2f}x")
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(sdir, ignore_errors=True)


if __name__ == "__main__":
    main()
