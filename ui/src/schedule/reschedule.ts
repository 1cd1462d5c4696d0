// Rescheduling a meeting from the history: the same ID, sent to the calendars that hold it.
import { IpcError, ipc } from "../ipc";
import type { MeetingForm, ProviderView } from "../ipc";
import { h } from "../dom";
import { deliveryStatusText } from "../model";
import type { ScheduleModel } from "../model";
import type { Run } from "./act";

export interface RescheduleBar {
  element: HTMLElement;
  /** How the meeting being changed is shown, null when none is. */
  display(): string | null;
  /** Loads a meeting of the history (named by its UID) to change it on its calendars. */
  start(form: MeetingForm, display: string, uid: string): void;
  /** Drops the change: the form gets a new meeting instead. */
  stop(): Promise<void>;
}

export interface RescheduleDeps {
  model: ScheduleModel;
  run: Run;
  offers: (key: string) => ProviderView;
  /** Puts the form's values into the controls. */
  fillControls: () => void;
  /** Runs when a change starts (with its display) or stops (with null). */
  onChange: (display: string | null) => void;
}

export function rescheduleBar({ model, run, offers, fillControls, onChange }: RescheduleDeps): RescheduleBar {
  let rescheduling: string | null = null;
  /** The UID of the meeting being changed, empty when none is. */
  let reschedulingUid = "";
  const rescheduleText = h("span", {});
  const updateButton = h(
    "button",
    { type: "button", class: "primary", id: "update-calendars", onclick: () => void updateCalendars() },
    "Update calendars",
  );
  const stopButton = h(
    "button",
    { type: "button", id: "stop-reschedule", onclick: () => void stopReschedule() },
    "New meeting instead",
  );
  const element = h(
    "div",
    { class: "reschedule-bar", id: "reschedule-bar", role: "status", hidden: true },
    rescheduleText,
    h("div", { class: "actions" }, updateButton, stopButton),
  );

  function setRescheduling(display: string | null) {
    rescheduling = display;
    element.hidden = display === null;
    onChange(display);
    rescheduleText.textContent = display
      ? `Changing meeting ${display}: "Update calendars" sends the change to every calendar that holds it, and its attendees.`
      : "";
  }

  async function stopReschedule() {
    reschedulingUid = "";
    setRescheduling(null);
    model.update({ meeting_id: "" });
    if (!offers(model.form.provider).fixed) await model.newId();
    fillControls();
  }

  const updateCalendars = () =>
    run("Update calendars", async () => {
      const done = await ipc.rescheduleMeeting(reschedulingUid, model.form);
      const failed = done.deliveries.filter((d) => d.status === "failed");
      if (failed.length > 0) {
        throw new IpcError({
          code: "remote",
          message: failed.map((d) => `${d.account}: ${d.message}`).join("; "),
          fields: [],
          hint: null,
        });
      }
      const where = done.deliveries.map((d) => `${d.account} (${deliveryStatusText(d.status)})`).join(", ");
      return `Updated ${done.display} on ${where}.`;
    });

  return {
    element,
    display: () => rescheduling,
    start(loaded, display, uid) {
      reschedulingUid = uid;
      model.update({ ...loaded });
      fillControls();
      setRescheduling(display);
      void model.refresh();
    },
    stop: stopReschedule,
  };
}
