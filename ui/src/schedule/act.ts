// Running one of the Schedule page's actions, and the field errors it (and the preview) reports.
import type { Field } from "../ipc";
import { setError, toast } from "../dom";
import { appErrorOf } from "../model";
import type { ScheduleModel } from "../model";

const FIELD_IDS: Record<Field, string> = {
  provider: "provider",
  kind: "kind",
  meeting_id: "meeting-id",
  passcode: "kind",
  title: "title",
  start: "start-date",
  time_zone: "time-zone",
  duration: "duration",
  repeat: "repeat",
  repeat_count: "repeat-count",
  repeat_until: "repeat-until",
  repeat_on: "repeat-on",
  attendees: "attendee-input",
  organizer: "organizer",
  on_behalf_of: "on-behalf-of",
  description: "description",
  dial_in: "dial-in",
  show_zones: "show-zone-input",
};

/** Runs an action labelled `label`; what it resolves to (if anything) is toasted. */
export type Run = (label: string, action: () => Promise<string | null>) => Promise<void>;

/** Shows the errors of the fields the user may see them on, each under its control. */
export function showErrors(model: ScheduleModel): void {
  const visible = model.visibleErrors();
  for (const [fieldName, id] of Object.entries(FIELD_IDS)) {
    if (fieldName === "passcode") continue;
    setError(id, visible.get(fieldName as Field));
  }
  const passcodeError = visible.get("passcode");
  if (passcodeError) setError("kind", passcodeError);
}

function focusFirstError(model: ScheduleModel) {
  const first = [...model.errors.keys()][0];
  if (first) document.getElementById(FIELD_IDS[first])?.focus();
}

/** Runs `action` once the form has no errors; its failure is shown where it belongs. */
export async function act(model: ScheduleModel, label: string, action: () => Promise<string | null>): Promise<void> {
  model.showAll = true;
  await model.refresh();
  if (model.errors.size > 0) {
    toast("Fix the fields marked in red first.", "error");
    focusFirstError(model);
    return;
  }
  try {
    const done = await action();
    if (done) toast(done);
  } catch (e) {
    const err = appErrorOf(e);
    switch (err.code) {
      case "invalid":
        if (err.fields.length) {
          model.applyError(err);
          focusFirstError(model);
        } else {
          toast(`${label}: ${err.message}`, "error");
        }
        break;
      case "keyring_unavailable":
      case "keyring_locked":
        toast(`Moderator passcodes live in your system keyring, and it is not available: ${err.message}`, "error");
        break;
      case "conflict":
      case "insecure_transport":
      case "internal":
      case "not_found":
      case "remote":
      case "storage":
      case "unauthorized":
        toast(`${label}: ${err.message}`, "error");
    }
  }
}
