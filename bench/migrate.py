#!/usr/bin/env python3
"""500 Chime meetings moved off Chime on a local Radicale: `belfry migrate scan` and
`belfry migrate apply --to jitsi --yes` beside the raw requests a minimal client needs for
the same work (one calendar-query REPORT, then a GET and an If-Match PUT per event with the
Chime lines cut out by a string replace).

Belfry's run includes everything a user's run does: discovery of the account's calendars,
recognising the Chime details, a fresh room reserved in the history per meeting, each move
written to SQLite (synchronous=FULL) before its request and confirmed after, the event
parsed, edited and written back with its other lines as the server gave them. Both sides
work on their own copy of the same 500 events.

Run under a D-Bus session with an unlocked keyring (the account's password lives there):
  dbus-run-session -- sh -c 'printf pw | gnome-keyring-daemon --unlock --components=secrets; python3 bench/migrate.py'
"""

import os
import re
import shutil
import subprocess
import tempfile
import time

from caldav import AUTH, BELFRY, mkcalendar, radicale  # noqa: F401  (bench/caldav.py)
import http.client

N = int(os.environ.get("BELFRY_BENCH_EVENTS", "500"))


def foreign(i, uid):
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other Client//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260801T000000Z\r\nSEQUENCE:1\r\n"
        f"DTSTART:2027{1 + i % 11:02d}{1 + i % 28:02d}T{8 + i % 9:02d}0000Z\r\nDURATION:PT1H\r\n"
        f"SUMMARY:Lecture {i}\r\nLOCATION:+12064625569\\,\\,{6064720000 + i}#\r\n"
        f"DESCRIPTION:Bring the worksheet.\\n\\nClick to join the meeting: https://chime.aws/{6064720000 + i}\\n"
        f"Meeting ID: {6064720000 + i}\\n\\nAgenda: chapter {i}.\r\n"
        "ORGANIZER:mailto:prof@example.edu\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@example.com\r\n"
        "ATTENDEE:mailto:meet@chime.aws\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


class Conn:
    """One keep-alive connection, as a minimal client would use."""

    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port)

    def __call__(self, method, path, body=b"", headers=None):
        h = {"Authorization": AUTH}
        h.update(headers or {})
        self.c.request(method, path, body=body, headers=h)
        r = self.c.getresponse()
        return r.status, dict(r.getheaders()), r.read()


def seed(port, path, prefix):
    conn = Conn(port)
    for i in range(N):
        status, _, _ = conn("PUT", f"{path}{prefix}-{i}.ics", foreign(i, f"{prefix}-{i}@other"),
                            {"Content-Type": "text/calendar"})
        assert status == 201, status


def raw_migrate(port, path):
    conn = Conn(port)
    query = (b'<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
             b'<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR">'
             b'<c:comp-filter name="VEVENT"><c:time-range start="20261201T090000Z" end="20271201T090000Z"/>'
             b"</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>")
    status, _, body = conn("REPORT", path, query, {"Depth": "1", "Content-Type": "text/xml"})
    assert status == 207, status
    hrefs = re.findall(rb"<[a-zA-Z:]*href>([^<]+\.ics)</", body)
    assert len(hrefs) == N, len(hrefs)
    for href in hrefs:
        status, headers, ics = conn("GET", href.decode())
        assert status == 200, status
        text = ics.decode()
        text = re.sub(r"Click to join the meeting: https://chime.aws/\d+\\n", "", text)
        text = text.replace("ATTENDEE:mailto:meet@chime.aws\r\n", "").replace("SEQUENCE:1", "SEQUENCE:2")
        etag = {k.lower(): v for k, v in headers.items()}["etag"]
        status, _, _ = conn("PUT", href.decode(), text.encode(),
                            {"Content-Type": "text/calendar", "If-Match": etag})
        assert status in (201, 204), status


def main():
    if not os.path.exists(BELFRY):
        raise SystemExit(f"{BELFRY} is missing: cargo build --release -p belfry-cli")
    server, port, sdir = radicale()
    data = tempfile.mkdtemp()
    env = dict(os.environ, BELFRY_DATA_DIR=data)
    try:
        mkcalendar(port, "/ana/belfry/")
        seed(port, "/ana/belfry/", "b")
        subprocess.run([BELFRY, "accounts", "add", "caldav", "--name", "Bench", "--url", f"http://127.0.0.1:{port}",
                        "--username", "ana", "--password-stdin"], input=b"ana-app-password\n", env=env, check=True,
                       stderr=subprocess.DEVNULL)
        subprocess.run([BELFRY, "settings", "set", "organizer", "prof@example.edu"], env=env, check=True,
                       stderr=subprocess.DEVNULL)
        t0 = time.perf_counter()
        subprocess.run([BELFRY, "migrate", "scan", "--json"], env=env, check=True, stdout=subprocess.DEVNULL)
        scan_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run([BELFRY, "migrate", "apply", "--to", "jitsi", "--yes", "--json"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        apply_s = time.perf_counter() - t0
        left = [i for i in range(N) if b"chime.aws" in Conn(port)("GET", f"/ana/belfry/b-{i}.ics")[2]]
        assert not left, f"{len(left)} events still hold Chime details"
        # The raw client's copy is seeded into a collection of its own, after Belfry's run.
        mkcalendar(port, "/ana/raw/")
        seed(port, "/ana/raw/", "r")
        t0 = time.perf_counter()
        raw_migrate(port, "/ana/raw/")
        raw_s = time.perf_counter() - t0
        print(f"belfry migrate scan, {N} events:           {scan_s * 1000:7.0f} ms")
        print(f"belfry migrate apply (scan + plan + move): {apply_s * 1000:7.0f} ms ({apply_s * 1000 / N:.1f} ms each)")
        print(f"raw REPORT + GET/PUT per event:            {raw_s * 1000:7.0f} ms ({raw_s * 1000 / N:.1f} ms each)")
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(sdir, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
