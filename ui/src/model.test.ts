import { describe, expect, it, vi } from "vitest";

import type { MeetingForm, Preview } from "./ipc/bindings";
import { IpcErrorLike, fakeIpc, previewOf as preview } from "./testing";
import { ScheduleModel, checkEmail, emptyForm, searchZones, senderText, splitAddresses } from "./model";

describe("addresses", () => {
  it("accepts ordinary addresses and names the problem otherwise", () => {
    expect(checkEmail("ana@example.com")).toBeNull();
    expect(checkEmail("ana")).toMatch(/no @/);
    expect(checkEmail("ana@localhost")).toMatch(/no valid domain/);
    expect(checkEmail("a b@example.com")).toMatch(/space/);
  });

  it("splits pasted lists", () => {
    expect(splitAddresses("a@x.io, b@y.io;c@z.io\nd@w.io")).toEqual(["a@x.io", "b@y.io", "c@z.io", "d@w.io"]);
  });
});

describe("zones", () => {
  const zones = ["America/New_York", "Europe/London", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham"];
  it("finds by any part of the name, city first", () => {
    expect(searchZones(zones, "new york")).toEqual(["America/New_York"]);
    expect(searchZones(zones, "kath")).toEqual(["Asia/Kathmandu"]);
    expect(searchZones(zones, "america")).toEqual(["America/New_York", "America/St_Johns"]);
    expect(searchZones(zones, "")).toHaveLength(5);
  });
});

describe("ScheduleModel", () => {
  it("saves the draft and previews after edits, keeping only the newest answer", async () => {
    const ipc = fakeIpc();
    let release: (p: Preview) => void = () => {};
    ipc.preview.mockImplementationOnce(() => new Promise<Preview>((r) => (release = r)));
    ipc.preview.mockImplementation(async (f: MeetingForm) => preview(f));
    const m = new ScheduleModel(ipc, { ...emptyForm(), meeting_id: "0123456789" }, 0);

    m.update({ title: "Old" });
    const slow = m.refresh();
    m.update({ title: "New" });
    await m.refresh();
    release(preview({ ...m.form, title: "Old" }));
    await slow;

    expect(m.preview?.text).toBe("New\n");
    expect(ipc.saveDraft).toHaveBeenLastCalledWith(expect.objectContaining({ title: "New" }));
  });

  it("puts refusals next to their fields and keeps the last good preview", async () => {
    const ipc = fakeIpc();
    const m = new ScheduleModel(ipc, { ...emptyForm(), meeting_id: "0123456789", title: "Ok" }, 0);
    await m.refresh();
    expect(m.preview?.text).toBe("Ok\n");

    ipc.preview.mockRejectedValue(
      new IpcErrorLike({
        code: "invalid",
        message: "a start is required",
        fields: [
          { field: "start", message: "a start is required" },
          { field: "duration", message: "write a duration like 45m" },
        ],
        hint: null,
      }),
    );
    m.update({ start: "" });
    await m.refresh();
    ipc.preview.mockImplementation(async (f: MeetingForm) => preview(f));
    expect(m.errors.get("start")).toBe("a start is required");
    expect(m.errors.get("duration")).toBe("write a duration like 45m");
    expect(m.preview?.text).toBe("Ok\n");
    expect(m.general).toBeNull();

    // Editing a field clears its message.
    m.update({ start: "2027-03-01T10:00" });
    expect(m.errors.has("start")).toBe(false);
  });

  it("waits with errors of untouched fields until an action is tried", async () => {
    const ipc = fakeIpc();
    ipc.preview.mockRejectedValue(
      new IpcErrorLike({
        code: "invalid",
        message: "x",
        fields: [{ field: "title", message: "a title is required" }],
        hint: null,
      }),
    );
    const m = new ScheduleModel(ipc, { ...emptyForm(), meeting_id: "0123456789" }, 0);
    await m.refresh();
    expect(m.errors.get("title")).toBe("a title is required");
    expect(m.visibleErrors().size).toBe(0);
    m.update({ title: "" });
    await m.refresh();
    expect(m.visibleErrors().get("title")).toBe("a title is required");
    const fresh = new ScheduleModel(ipc, { ...emptyForm(), meeting_id: "0123456789" }, 0);
    await fresh.refresh();
    fresh.showAll = true;
    expect(fresh.visibleErrors().get("title")).toBe("a title is required");
  });

  it("shows errors without fields as a general message", async () => {
    const ipc = fakeIpc();
    ipc.preview.mockRejectedValueOnce(
      new IpcErrorLike({ code: "storage", message: "disk full", fields: [], hint: null }),
    );
    const m = new ScheduleModel(ipc, emptyForm(), 0);
    await m.refresh();
    expect(m.general).toBe("disk full");
  });

  it("adds valid attendees and leaves invalid ones to fix", () => {
    const m = new ScheduleModel(fakeIpc(), emptyForm(), 1000);
    const left = m.addAttendees("ana@example.com, bob, ANA@example.com cy@example.org");
    expect(m.form.attendees).toEqual(["ana@example.com", "cy@example.org"]);
    expect(left).toBe("bob");
    expect(m.visibleErrors().get("attendees")).toMatch(/no @/);
    m.removeAttendee("ana@example.com");
    expect(m.form.attendees).toEqual(["cy@example.org"]);
  });

  it("keeps the complaint about a typed address through later previews", async () => {
    const m = new ScheduleModel(fakeIpc(), { ...emptyForm(), meeting_id: "0123456789", title: "T" }, 0);
    m.addAttendees("bob");
    await m.refresh(); // a successful preview clears Rust's errors, not this one
    expect(m.visibleErrors().get("attendees")).toMatch(/no @/);
    m.setInputError("attendees", null);
    expect(m.visibleErrors().has("attendees")).toBe(false);
  });

  it("draws a new ID when a moderator is added or removed, not otherwise", async () => {
    const ipc = fakeIpc();
    const m = new ScheduleModel(ipc, { ...emptyForm(), meeting_id: "1111111111" }, 1000);
    await m.setKind("moderated");
    expect(ipc.newMeetingId).toHaveBeenLastCalledWith(true, "");
    expect(m.form.kind).toBe("moderated");
    expect(m.form.meeting_id).toBe("2222222222");
    await m.setKind("one_time");
    expect(ipc.newMeetingId).toHaveBeenLastCalledWith(false, "");
    await m.setKind("personal");
    expect(m.form.meeting_id).toBe("");
    const calls = ipc.newMeetingId.mock.calls.length;
    await m.setKind("personal");
    expect(ipc.newMeetingId.mock.calls.length).toBe(calls);
  });
});

it("previews each edit at once, one request at a time, and saves the draft when typing pauses", async () => {
  vi.useFakeTimers();
  const ipc = fakeIpc();
  let release: () => void = () => {};
  ipc.preview.mockImplementationOnce((f: MeetingForm) => new Promise<Preview>((r) => (release = () => r(preview(f)))));
  const m = new ScheduleModel(ipc, { ...emptyForm(), meeting_id: "0123456789" }, 100);
  m.update({ title: "P" });
  expect(ipc.preview).toHaveBeenCalledTimes(1);
  m.update({ title: "Ph" });
  m.update({ title: "Phy" });
  expect(ipc.preview).toHaveBeenCalledTimes(1);
  release();
  await vi.advanceTimersByTimeAsync(0);
  // The answer for "P" came after the form changed: "Phy" is asked for, and only it shown.
  expect(ipc.preview).toHaveBeenCalledTimes(2);
  expect(ipc.preview).toHaveBeenLastCalledWith(expect.objectContaining({ title: "Phy" }));
  expect(m.preview?.text).toBe("Phy\n");
  expect(ipc.saveDraft).not.toHaveBeenCalled();
  await vi.advanceTimersByTimeAsync(150);
  expect(ipc.saveDraft).toHaveBeenCalledTimes(1);
  expect(ipc.saveDraft).toHaveBeenLastCalledWith(expect.objectContaining({ title: "Phy" }));
  vi.useRealTimers();
});

describe("who sends the invitations", () => {
  it("names each sender, and the way out when nobody does", () => {
    expect(senderText("server")).toContain("calendar server emails");
    expect(senderText("belfry-by-mail")).toContain("Belfry emails");
    expect(senderText("provider")).toContain("calendar service emails");
    expect(senderText("nobody")).toContain("Accounts page");
  });
});
