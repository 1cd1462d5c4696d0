// Test helpers: a fake of the IPC the model uses.
import { vi } from "vitest";

import type { AppError, MeetingForm, NewMeetingView, Preview } from "./ipc/bindings";

/** Shaped like ipc's IpcError (which the model reads through `.error`). */
export class IpcErrorLike extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
  }
}

/** The preview the fake renders: the title as the whole text. */
export function previewOf(form: MeetingForm): Preview {
  return {
    meeting_id: form.meeting_id,
    display: form.meeting_id,
    text: `${form.title}\n`,
    html: "",
    location: "",
    attendees: form.attendees,
    notices: [],
    moderated: form.kind === "moderated",
  };
}

export function fakeIpc() {
  let next = 1;
  return {
    preview: vi.fn(async (form: MeetingForm): Promise<Preview> => previewOf(form)),
    saveDraft: vi.fn(async (_form: MeetingForm): Promise<void> => {}),
    newMeetingId: vi.fn(async (moderated: boolean, _provider: string): Promise<NewMeetingView> => {
      next += 1;
      const id = String(next).repeat(10).slice(0, 10);
      return { meeting_id: id, display: id, moderated };
    }),
  };
}
