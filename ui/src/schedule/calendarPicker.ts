// "Add to calendar": the account and calendar to put the meeting on, who will invite its
// attendees, and (without a calendar account) where to add one.
import { IpcError, ipc } from "../ipc";
import type { InvitationSender, MeetingForm, ScheduleOutcome } from "../ipc";
import { h, toast } from "../dom";
import { appErrorOf, deliveryStatusText, senderText } from "../model";
import type { Run } from "./act";

export interface CalendarPicker {
  /** The row of pickers and its button, then the note shown instead when there is nothing to pick. */
  elements: HTMLElement[];
  /** Reloads the accounts the meeting can be added to. */
  refreshAccounts(): Promise<void>;
  /** While a meeting is being changed, its calendars are those that hold it: nothing is shown. */
  setRescheduling(active: boolean): void;
}

export function calendarPicker(form: () => MeetingForm, run: Run): CalendarPicker {
  let rescheduling = false;
  const accountSelect = h("select", { id: "calendar-account", "aria-label": "Calendar account" });
  const calendarSelect = h("select", { id: "calendar-choice", "aria-label": "Calendar" });
  const addButton = h(
    "button",
    {
      type: "button",
      id: "add-to-calendar",
      onclick: () =>
        void run("Add to calendar", async () =>
          addedText(await ipc.addToCalendar(form(), accountSelect.value, calendarSelect.value)),
        ),
    },
    "Add to calendar",
  );
  // Who will tell the attendees of a meeting put on the chosen calendar.
  const invitationsBy = h("p", { class: "entry-meta", id: "invitations-by", "aria-live": "polite" });
  const calendarRow = h(
    "div",
    { class: "actions calendar-row", hidden: true },
    accountSelect,
    calendarSelect,
    addButton,
    invitationsBy,
  );
  const note = noCalendarNote();
  accountSelect.addEventListener("change", () => void refreshCalendars());

  async function refreshAccounts() {
    try {
      const withCalendars = (await ipc.accounts()).filter(
        (a) => a.kind === "caldav" || a.kind === "google" || a.kind === "microsoft",
      );
      const accounts = withCalendars.filter((a) => a.default_calendar !== "");
      note.text.textContent =
        withCalendars.length === 0
          ? "No calendar account yet: save an .ics or copy the invitation, or add a calendar account "
          : "No calendar account has a default calendar yet: choose one ";
      accountSelect.replaceChildren(
        ...accounts.map((a) => h("option", { value: a.name }, `${a.name} (${a.identity})`)),
      );
      calendarRow.hidden = accounts.length === 0 || rescheduling;
      note.element.hidden = accounts.length > 0 || rescheduling;
      calendarsOf = "";
      await refreshCalendars();
    } catch (e) {
      toast(appErrorOf(e).message, "error");
    }
  }

  // The writable calendars of the chosen account, its default first chosen; a host's
  // calendar says whose it is (the host becomes the organizer).
  let calendarsOf = "";
  let senders = new Map<string, InvitationSender>();
  function showSender() {
    const by = senders.get(calendarSelect.value);
    invitationsBy.textContent = by === undefined ? "" : `Invitations: ${senderText(by)}`;
  }
  calendarSelect.addEventListener("change", showSender);
  async function refreshCalendars() {
    const account = accountSelect.value;
    if (!account || account === calendarsOf) return;
    calendarsOf = account;
    calendarSelect.replaceChildren(h("option", { value: "" }, "Default calendar"));
    try {
      const calendars = (await ipc.accountCalendars(account)).filter((c) => c.writable);
      if (accountSelect.value !== account) return;
      calendarSelect.replaceChildren(
        ...calendars.map((c) =>
          h(
            "option",
            { value: c.id, selected: c.is_default },
            c.owner ? `${c.name} (${c.owner}'s)` : c.shared ? `${c.name} (shared with you)` : c.name,
          ),
        ),
      );
      senders = new Map(calendars.map((c) => [c.id, c.invitations_by]));
      showSender();
    } catch (e) {
      calendarsOf = "";
      toast(appErrorOf(e).message, "error");
    }
  }

  return {
    elements: [calendarRow, note.element],
    refreshAccounts,
    setRescheduling(active) {
      rescheduling = active;
      calendarRow.hidden = active || accountSelect.options.length === 0;
      note.element.hidden = active || accountSelect.options.length > 0;
    },
  };
}

/** Without a calendar account there is nothing to pick: say so, and where to add one. */
function noCalendarNote(): { element: HTMLElement; text: HTMLElement } {
  const text = h("span", {}, "");
  const element = h(
    "p",
    { class: "entry-meta", id: "no-calendar", hidden: true },
    text,
    h(
      "button",
      {
        type: "button",
        class: "link",
        id: "no-calendar-accounts",
        onclick: () => document.querySelector<HTMLButtonElement>('[data-page="accounts"]')?.click(),
      },
      "on the Accounts page",
    ),
    ".",
  );
  return { element, text };
}

/** What adding the meeting to a calendar did; a failed delivery is an error. */
function addedText(done: ScheduleOutcome): string | null {
  const d = done.deliveries[0];
  if (!d) return null;
  if (d.status === "failed") throw new IpcError({ code: "remote", message: d.message, fields: [], hint: null });
  const where = `${d.account}: ${deliveryStatusText(d.status)}`;
  const emailed = done.mail.filter((m) => m.state === "sent").length;
  if (done.mail.length > 0) return `Added to ${where}. Invitations emailed: ${emailed} of ${done.mail.length}.`;
  return d.invitations_sent
    ? `Added to ${where}.`
    : `Added to ${where}. This server does not email attendees: send them the .ics.`;
}
