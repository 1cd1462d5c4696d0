// The invitation's actions: copy it, copy the moderator's info, save it as .ics, open it.
import type { MeetingKind } from "../ipc";
import { ipc } from "../ipc";
import { h } from "../dom";
import { moderatorCopied } from "../model";
import type { ScheduleModel } from "../model";
import type { Run } from "./act";

export interface ActionButtons {
  element: HTMLElement;
  copyInvitation(): Promise<void>;
  copyModerator(): Promise<void>;
  saveIcs(): Promise<void>;
  openIcs(): Promise<void>;
  /** Offers the moderator's info only for a moderated meeting; `ready` when there is something to hand out. */
  render(kind: MeetingKind, ready: boolean): void;
}

export function actionButtons(model: ScheduleModel, run: Run): ActionButtons {
  const f = () => model.form;
  const copyInvitation = () =>
    run("Copy invitation", async () => {
      await ipc.copyInvitation(f());
      return "Invitation copied. Paste it into your calendar event.";
    });
  const copyModerator = () =>
    run("Copy moderator info", async () => {
      const seconds = await ipc.copyModeratorInfo(f().meeting_id);
      return moderatorCopied(seconds);
    });
  const saveIcs = () =>
    run("Save .ics", async () => {
      const path = await ipc.saveIcs(f());
      return path ? `Saved ${path}` : null;
    });
  const openIcs = () =>
    run("Open in calendar app", async () => {
      await ipc.openInCalendar(f());
      return "Handed to your calendar app.";
    });

  const copyButton = h(
    "button",
    {
      type: "button",
      class: "primary",
      id: "copy-invitation",
      "aria-keyshortcuts": "Control+Enter",
      title: "Ctrl+Enter",
      onclick: () => void copyInvitation(),
    },
    "Copy invitation",
  );
  const moderatorButton = h(
    "button",
    { type: "button", "aria-keyshortcuts": "Control+M", title: "Ctrl+M", onclick: () => void copyModerator() },
    "Copy moderator info",
  );
  const saveButton = h(
    "button",
    { type: "button", "aria-keyshortcuts": "Control+S", title: "Ctrl+S", onclick: () => void saveIcs() },
    "Save .ics",
  );
  const openButton = h(
    "button",
    { type: "button", "aria-keyshortcuts": "Control+O", title: "Ctrl+O", onclick: () => void openIcs() },
    "Open in calendar app",
  );

  return {
    element: h("div", { class: "actions" }, copyButton, moderatorButton, saveButton, openButton),
    copyInvitation,
    copyModerator,
    saveIcs,
    openIcs,
    render(kind, ready) {
      moderatorButton.hidden = kind !== "moderated";
      for (const b of [copyButton, saveButton, openButton]) b.toggleAttribute("aria-disabled", !ready);
    },
  };
}
