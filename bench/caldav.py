#!/usr/bin/env python3
"""100 meetings onto a local Radicale: `belfry schedule --from-csv` beside a minimal loop that
PUTs 100 pre-rendered events with plain HTTP.

Belfry's run includes everything a user's run does: the outbox rows written (SQLite,
synchronous=FULL) before each request and confirmed after, rendering the invitation and the
calendar object, the `If-None-Match: *` PUT. The loop only sends the bytes.

Run under a D-Bus session with an unlocked keyring (the account's password lives there):
  dbus-run-session -- sh -c 'printf pw | gnome-keyring-daemon --unlock --components=secrets; python3 bench/caldav.py'
"""

import http.client
import base64
import os
import shutil
import socket
import subprocess
import tempfile
import time

TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/belfry/target"))
BELFRY = os.path.join(TARGET, "release", "belfry")
VENV = os.environ.get("BELFRY_VENV", os.path.expanduser("~/.cache/belfry/venv"))
N = 100
AUTH = "Basic " + base64.b64encode(b"ana:ana-app-password").decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
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


def main():
    if not os.path.exists(BELFRY):
        raise SystemExit(f"{BELFRY} is missing: cargo build --release -p belfry-cli")
    server, port, sdir = radicale()
    data = tempfile.mkdtemp()
    env = dict(os.environ, BELFRY_DATA_DIR=data)
    try:
        mkcalendar(port, "/ana/belfry/")
        mkcalendar(port, "/ana/loop/")
        subprocess.run([BELFRY, "accounts", "add", "caldav", "--name", "Bench", "--url", f"http://127.0.0.1:{port}",
                        "--username", "ana", "--password-stdin"], input=b"ana-app-password\n", env=env, check=True,
                       stderr=subprocess.DEVNULL)
        subprocess.run([BELFRY, "accounts", "default-calendar", "Bench", f"http://127.0.0.1:{port}/ana/belfry/"],
                       env=env, check=True, stderr=subprocess.DEVNULL)
        csv = os.path.join(data, "rows.csv")
        with open(csv, "w") as f:
            f.write("title,start,tz,duration,attendees,organizer\n")
            for i in range(N):
                f.write(f"Lecture {i},2027-03-{1 + i % 28:02d}T{8 + i % 9:02d}:00,Europe/Berlin,1h,"
                        f"ana@example.com;bob@example.com,prof@example.edu\n")
        t0 = time.perf_counter()
        subprocess.run([BELFRY, "schedule", "--account", "Bench", "--from-csv", csv], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        belfry_s = time.perf_counter() - t0

        bodies = [event(i) for i in range(N)]
        t0 = time.perf_counter()
        for i, b in enumerate(bodies):
            status = request(port, "PUT", f"/ana/loop/loop-{i}.ics", b,
                             {"Content-Type": "text/calendar", "If-None-Match": "*"})
            assert status in (201, 204), status
        loop_s = time.perf_counter() - t0
        print(f"belfry schedule --from-csv, {N} meetings: {belfry_s * 1000:7.0f} ms ({belfry_s * 1000 / N:.1f} ms each)")
        print(f"minimal HTTP PUT loop, {N} events:       {loop_s * 1000:7.0f} ms ({loop_s * 1000 / N:.1f} ms each)")
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(sdir, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
