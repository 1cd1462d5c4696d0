#!/usr/bin/env python3
"""`belfry ics` for a weekly series (Monday and Wednesday, 6 sessions, America/New_York, 50
attendees, two extra zones), whole process, beside the Python `icalendar` script a user
would otherwise write for the same event (one VEVENT with RRULE, the attendees, the
organizer, a VTIMEZONE, a description), also whole process. The two alternate,
BELFRY_BENCH_RUNS times (21) each after one warm-up; medians are printed.

  cargo build --release -p belfry-cli
  ~/.cache/belfry/venv/bin/pip install icalendar==7.3.2
  python3 bench/ics.py
"""

import os
import shutil
import statistics
import subprocess
import tempfile
import time

TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/belfry/target"))
BELFRY = os.environ.get("BELFRY_BIN", os.path.join(TARGET, "release", "belfry"))
VENV = os.environ.get("BELFRY_VENV", os.path.expanduser("~/.cache/belfry/venv"))
RUNS = int(os.environ.get("BELFRY_BENCH_RUNS", "21"))
ATTENDEES = [f"student{i}@example.edu" for i in range(50)]

SCRIPT = '''
import sys, zoneinfo
from datetime import datetime, timedelta
from icalendar import Calendar, Event, Timezone, vCalAddress
tz = zoneinfo.ZoneInfo("America/New_York")
cal = Calendar()
cal.add("prodid", "-//script//EN")
cal.add("version", "2.0")
cal.add("method", "REQUEST")
cal.add_component(Timezone.from_tzinfo(tz))
e = Event()
e.add("uid", "lecture-1@example.edu")
e.add("dtstamp", datetime(2027, 2, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("UTC")))
start = datetime(2027, 3, 1, 10, 0, tzinfo=tz)
e.add("dtstart", start)
e.add("dtend", start + timedelta(hours=1))
e.add("rrule", {"freq": "weekly", "byday": ["MO", "WE"], "count": 6})
e.add("summary", "Lecture")
e.add("location", "https://meet.example/123")
e.add("description", "Join: https://meet.example/123\\n10:00 New York, 16:00 Berlin, 00:00 Tokyo")
e.add("organizer", vCalAddress("mailto:prof@example.edu"))
for a in sys.argv[1:]:
    e.add("attendee", vCalAddress("mailto:" + a), parameters={"ROLE": "REQ-PARTICIPANT", "RSVP": "TRUE"})
cal.add_component(e)
sys.stdout.buffer.write(cal.to_ical())
'''


def timed(argv, env=None):
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    if not os.path.exists(BELFRY):
        raise SystemExit(f"{BELFRY} is missing: cargo build --release -p belfry-cli")
    data = tempfile.mkdtemp()
    env = dict(os.environ, BELFRY_DATA_DIR=data)
    belfry = [BELFRY, "ics", "--title", "Lecture", "--start", "2027-03-01T10:00", "--tz", "America/New_York",
              "--repeat", "weekly", "--on", "mon,wed", "--count", "6", "--organizer", "prof@example.edu",
              "--show-zone", "Europe/Berlin", "--show-zone", "Asia/Tokyo", "--description", "Chapter 1"]
    for a in ATTENDEES:
        belfry += ["--attendee", a]
    script = [os.path.join(VENV, "bin", "python"), "-c", SCRIPT] + ATTENDEES
    try:
        timed(belfry, env)
        timed(script)
        b, p = [], []
        for _ in range(RUNS):
            b.append(timed(belfry, env))
            p.append(timed(script))
        mb, mp = statistics.median(b), statistics.median(p)
        print(f"belfry ics:        median {mb * 1000:6.1f} ms (min {min(b) * 1000:.1f}, max {max(b) * 1000:.1f})")
        print(f"python icalendar:  median {mp * 1000:6.1f} ms (min {min(p) * 1000:.1f}, max {max(p) * 1000:.1f})")
        print(f"icalendar / belfry: {mp / mb:.1f}x")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
