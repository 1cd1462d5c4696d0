// The Schedule page: the form on the left, the live invitation on the right. Its parts live in
// ./schedule/; this wires them together.
import { ipc } from "./ipc";
import type { Catalog, MeetingForm, ProviderView, SettingsView } from "./ipc";
import { h, toast } from "./dom";
import { appErrorOf, ScheduleModel } from "./model";
import { act, showErrors } from "./schedule/act";
import type { Run } from "./schedule/act";
import { actionButtons } from "./schedule/actions";
import { attendeesField } from "./schedule/attendees";
import { calendarPicker } from "./schedule/calendarPicker";
import { detailFields } from "./schedule/details";
import { dialInField } from "./schedule/dialin";
import { meetingFields, offerOf } from "./schedule/meeting";
import { previewPane } from "./schedule/preview";
import { repeatFields } from "./schedule/repeat";
import { rescheduleBar } from "./schedule/reschedule";
import { whenFields } from "./schedule/when";
import { zonesField } from "./schedule/zones";

export interface SchedulePage {
  element: HTMLElement;
  model: ScheduleModel;
  /** Reloads the accounts the meeting can be added to. */
  refreshAccounts(): Promise<void>;
  /** Runs the action behind a keyboard shortcut. */
  shortcut(e: KeyboardEvent): boolean;
  /** Loads a meeting of the history (named by its UID) to change it on its calendars: "Update
   * calendars" then sends the change. */
  startReschedule(form: MeetingForm, display: string, uid: string): void;
  /** Offers these providers (after one was imported or the personal room was set). */
  setProviders(providers: ProviderView[]): void;
  /** Starts a new meeting, filled in with what `given` holds (a `belfry://` link's fields);
   * "Back to my draft" brings back what the form held before. */
  startNew(given?: MeetingForm): Promise<void>;
}

/** `form` with the fields `given` fills in (a non-empty text or list) taken from it. */
function filledIn(form: MeetingForm, given: MeetingForm): MeetingForm {
  const out: Record<string, unknown> = { ...form };
  for (const [key, value] of Object.entries(given)) {
    if (Array.isArray(value) ? value.length > 0 : value !== "") out[key] = value;
  }
  return { ...(out as MeetingForm), kind: given.kind === "moderated" ? "moderated" : form.kind };
}

/** The model of the form: the last draft, else a new meeting at the next half hour. */
async function loadModel(catalog: Catalog, settings: () => SettingsView): Promise<ScheduleModel> {
  let draft: MeetingForm | null = null;
  try {
    draft = await ipc.loadDraft();
  } catch (e) {
    toast(`Your last draft could not be read: ${appErrorOf(e).message}`, "error");
  }
  const form: MeetingForm = draft ?? (await ipc.newForm());
  const model = new ScheduleModel(ipc, form);
  if (model.form.kind !== "personal" && model.form.meeting_id === "") {
    // A fixed link has nothing to draw: its meetings are personal.
    const first = catalog.providers.find((p) => p.key === (model.form.provider || settings().provider));
    if (first?.fixed) model.update({ kind: "personal" });
    else await model.newId();
  }
  return model;
}

export async function schedulePage(catalog: Catalog, settings: () => SettingsView): Promise<SchedulePage> {
  const model = await loadModel(catalog, settings);
  const run: Run = (label, action) => act(model, label, action);
  const offers = (key: string) => offerOf(catalog, settings, key);

  const meeting = meetingFields(model, settings, catalog.providers, offers, newId);
  const when = whenFields(model, catalog, settings);
  const details = detailFields(model, settings);
  const repeat = repeatFields(model);
  const attendees = attendeesField(model, renderChips);
  const dialIn = dialInField(model, catalog, settings);
  const zones = zonesField(model, catalog, renderChips);
  const actions = actionButtons(model, run);
  const calendar = calendarPicker(() => model.form, run);
  const reschedule = rescheduleBar({
    model,
    run,
    offers,
    fillControls,
    onChange: (display) => {
      meeting.lockProvider(display !== null);
      calendar.setRescheduling(display !== null);
    },
  });
  const preview = previewPane(reschedule.element, [actions.element, ...calendar.elements]);

  // What the form held before a link or the tray's "New meeting" replaced it.
  let before: MeetingForm | null = null;
  const backButton = h(
    "button",
    { type: "button", id: "back-to-draft", onclick: () => void backToDraft() },
    "Back to my draft",
  );
  const newBarText = h("span", {});
  const newBar = h(
    "div",
    { class: "reschedule-bar", id: "new-bar", role: "status", hidden: true },
    newBarText,
    h("div", { class: "actions" }, backButton),
  );

  const element = h(
    "section",
    { class: "page schedule", "aria-label": "Schedule" },
    h(
      "form",
      { class: "meeting-form", novalidate: true, onsubmit: (e: Event) => e.preventDefault() },
      newBar,
      ...meeting.elements,
      details.title,
      when.startAndDuration,
      when.timeZone,
      repeat.element,
      attendees.element,
      details.people,
      dialIn.element,
      zones.element,
      details.description,
      ...when.lists,
      zones.list,
    ),
    preview.element,
  );

  function renderChips() {
    attendees.render();
    zones.render();
  }

  /** Puts the form's values into the controls (at start, and after the ID changes). */
  function fillControls() {
    const form = model.form;
    meeting.fill(form);
    when.fill(form);
    details.fill(form);
    repeat.fill(form);
    dialIn.fill(form);
    repeat.sync();
    renderChips();
  }

  function render() {
    const form = model.form;
    const p = model.preview;
    const chosen = offers(form.provider);
    meeting.render(form, p, chosen);
    dialIn.setAvailable(chosen.dial_in);
    attendees.showAdds(chosen.adds);
    actions.render(form.kind, p !== null && model.errors.size === 0);
    preview.render(p, model.general);
    showErrors(model);
  }

  async function newId() {
    if (reschedule.display()) {
      await reschedule.stop();
      return;
    }
    await model.newId();
    fillControls();
  }

  async function startNew(given?: MeetingForm) {
    if (reschedule.display()) await reschedule.stop();
    before = model.form.title.trim() !== "" ? { ...model.form } : null;
    const fresh = await ipc.newForm();
    model.update(given ? filledIn(fresh, given) : fresh);
    if (!offers(model.form.provider).fixed) await model.newId();
    fillControls();
    newBarText.textContent = given
      ? "Filled in from a belfry:// link: check it before you schedule it."
      : "A new meeting; what you were writing is kept.";
    newBar.hidden = !given && before === null;
    backButton.hidden = before === null;
    void model.refresh();
  }

  function backToDraft() {
    if (before === null) return;
    model.update(before);
    before = null;
    newBar.hidden = true;
    fillControls();
    void model.refresh();
  }

  model.onChange(render);
  fillControls();
  render();
  void model.refresh();

  void calendar.refreshAccounts();

  return {
    element,
    model,
    refreshAccounts: () => calendar.refreshAccounts(),
    startReschedule: (form, display, uid) => reschedule.start(form, display, uid),
    startNew,
    setProviders(providers: ProviderView[]) {
      catalog.providers = providers;
      meeting.setProviders(providers);
      render();
    },
    shortcut(e: KeyboardEvent): boolean {
      if (!(e.ctrlKey || e.metaKey)) return false;
      const key = e.key.toLowerCase();
      if (key === "enter") void actions.copyInvitation();
      else if (key === "s") void actions.saveIcs();
      else if (key === "o") void actions.openIcs();
      else if (key === "n") void newId();
      else if (key === "m" && model.form.kind === "moderated") void actions.copyModerator();
      else return false;
      return true;
    },
  };
}
