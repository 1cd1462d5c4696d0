// The Schedule page: the form on the left, the live invitation on the right.
import { IpcError, ipc } from "./ipc";
import type { Catalog, Field, InvitationSender, MeetingForm, MeetingKind, ProviderView, SettingsView } from "./ipc";
import { field, h, providerOptions, setError, showInvitationHtml, toast } from "./dom";
import {
  appErrorOf,
  deliveryStatusText,
  emptyForm,
  moderatorCopied,
  nextHalfHour,
  ScheduleModel,
  searchZones,
  senderText,
} from "./model";

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

const WEEKDAYS: [string, string][] = [
  ["mon", "Mon"],
  ["tue", "Tue"],
  ["wed", "Wed"],
  ["thu", "Thu"],
  ["fri", "Fri"],
  ["sat", "Sat"],
  ["sun", "Sun"],
];

const DURATIONS = ["15m", "30m", "45m", "1h", "1h30m", "2h", "3h"];

export interface SchedulePage {
  element: HTMLElement;
  model: ScheduleModel;
  /** Reloads the accounts the meeting can be added to. */
  refreshAccounts(): Promise<void>;
  /** Runs the action behind a keyboard shortcut. */
  shortcut(e: KeyboardEvent): boolean;
  /** Loads a scheduled meeting to change it: "Update calendars" then sends the change. */
  /** Loads a meeting of the history (named by its UID) to change it on its calendars. */
  startReschedule(form: MeetingForm, display: string, uid: string): void;
  /** Offers these providers (after one was imported or the personal room was set). */
  setProviders(providers: ProviderView[]): void;
}

export async function schedulePage(catalog: Catalog, settings: () => SettingsView): Promise<SchedulePage> {
  let draft: MeetingForm | null = null;
  try {
    draft = await ipc.loadDraft();
  } catch (e) {
    toast(`Your last draft could not be read: ${appErrorOf(e).message}`, "error");
  }
  const form: MeetingForm = draft ?? {
    ...emptyForm(),
    provider: settings().provider,
    start: nextHalfHour(new Date()),
  };
  const model = new ScheduleModel(ipc, form);
  if (model.form.kind !== "personal" && model.form.meeting_id === "") {
    // A fixed link has nothing to draw: its meetings are personal.
    const first = catalog.providers.find((p) => p.key === (model.form.provider || settings().provider));
    if (first?.fixed) model.update({ kind: "personal" });
    else await model.newId();
  }

  const f = () => model.form;
  const input = (attrs: Record<string, string>, on: (v: string) => void) =>
    h("input", { ...attrs, oninput: (e: Event) => on((e.target as HTMLInputElement).value) });

  // Meeting provider, type and ID
  // A form that names no provider (an older draft) is on the default one.
  const offers = (key: string) =>
    catalog.providers.find((p) => p.key === (key || settings().provider)) ?? catalog.providers[0];
  const provider = h(
    "select",
    {
      onchange: (e: Event) => {
        const key = (e.target as HTMLSelectElement).value;
        void model.setProvider(key, offers(key));
      },
    },
    ...providerOptions(catalog.providers),
  );
  const kind = h(
    "select",
    { onchange: (e: Event) => void model.setKind((e.target as HTMLSelectElement).value as MeetingKind) },
    h("option", { value: "one_time" }, "New meeting ID"),
    h("option", { value: "moderated" }, "New meeting ID with moderator"),
    h("option", { value: "personal" }, "My personal meeting ID"),
  );
  const idText = h("output", { id: "meeting-id", "aria-live": "polite" });
  const newIdButton = h(
    "button",
    {
      type: "button",
      class: "secondary",
      id: "new-meeting-id",
      "aria-keyshortcuts": "Control+N",
      title: "Ctrl+N",
      onclick: () => void newId(),
    },
    "New meeting ID",
  );

  const title = input({ type: "text", autocomplete: "off", placeholder: "Physics 101" }, (v) =>
    model.update({ title: v }),
  );
  const startDate = input({ type: "date" }, () => updateStart());
  const startTime = input({ type: "time", "aria-label": "Start time", step: "300" }, () => updateStart());
  const updateStart = () =>
    model.update({
      start:
        startDate.value && startTime.value
          ? `${startDate.value}T${startTime.value}`
          : startDate.value || startTime.value,
    });

  const zoneList = h("datalist", { id: "zone-list" });
  const zone = input({ type: "search", list: "zone-list", autocomplete: "off", spellcheck: "false" }, (v) => {
    fillZones(zoneList, catalog.time_zones, v);
    model.update({ time_zone: v });
  });
  const durationList = h("datalist", { id: "duration-list" }, ...DURATIONS.map((d) => h("option", { value: d })));
  const duration = input(
    { type: "text", list: "duration-list", autocomplete: "off", spellcheck: "false", placeholder: "1h" },
    (v) => model.update({ duration: v }),
  );

  const repeat = h(
    "select",
    {
      onchange: (e: Event) => {
        model.update({ repeat: (e.target as HTMLSelectElement).value });
        syncRepeat();
      },
    },
    h("option", { value: "" }, "Does not repeat"),
    h("option", { value: "daily" }, "Daily"),
    h("option", { value: "weekly" }, "Weekly"),
    h("option", { value: "monthly" }, "Monthly"),
  );
  const endsKind = h(
    "select",
    { id: "repeat-ends", onchange: () => syncEnds() },
    h("option", { value: "count" }, "After a number of meetings"),
    h("option", { value: "until" }, "On a date"),
    h("option", { value: "never" }, "Never"),
  );
  const repeatCount = input({ type: "number", min: "1", max: "730", inputmode: "numeric" }, (v) =>
    model.update({ repeat_count: v }),
  );
  const repeatUntil = input({ type: "date" }, (v) => model.update({ repeat_until: v }));
  const dayBoxes = WEEKDAYS.map(([value, label]) =>
    h(
      "label",
      { class: "day" },
      h("input", {
        type: "checkbox",
        value,
        onchange: () =>
          model.update({
            repeat_on: dayBoxes
              .filter((b) => b.querySelector("input")?.checked)
              .map((b) => b.querySelector("input")?.value ?? ""),
          }),
      }),
      label,
    ),
  );
  const repeatOn = h("div", { class: "days", role: "group", "aria-label": "Repeat on" }, ...dayBoxes);
  const repeatDetails = h("div", { class: "repeat-details" });

  // Attendees
  const chips = h("ul", { class: "chips", "aria-label": "Attendees added" });
  const attendeeInput = h("input", {
    id: "attendee-input",
    type: "email",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "name@example.com, then Enter",
    "aria-describedby": "attendee-input-error",
  });
  const addTyped = () => {
    if (attendeeInput.value.trim() === "") return;
    attendeeInput.value = model.addAttendees(attendeeInput.value);
    renderChips();
  };
  attendeeInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === "," || e.key === ";") {
      e.preventDefault();
      addTyped();
    } else if (e.key === "Backspace" && attendeeInput.value === "" && f().attendees.length > 0) {
      model.removeAttendee(f().attendees[f().attendees.length - 1] ?? "");
      renderChips();
    }
  });
  attendeeInput.addEventListener("blur", addTyped);
  attendeeInput.addEventListener("input", () => model.setInputError("attendees", null));
  attendeeInput.addEventListener("paste", () => setTimeout(addTyped, 0));

  const organizer = input({ type: "email", autocomplete: "email", spellcheck: "false" }, (v) =>
    model.update({ organizer: v }),
  );
  const onBehalf = input(
    { type: "email", autocomplete: "off", spellcheck: "false", placeholder: "Only when you schedule for someone else" },
    (v) => model.update({ on_behalf_of: v }),
  );

  const countryBoxes = catalog.countries.map((c) =>
    h(
      "label",
      { class: "check" },
      h("input", {
        type: "checkbox",
        value: c.code,
        onchange: () =>
          model.update({
            dial_in: countryBoxes
              .filter((b) => b.querySelector("input")?.checked)
              .map((b) => b.querySelector("input")?.value ?? ""),
          }),
      }),
      `${c.name} (${c.code})`,
    ),
  );
  const dialIn = h("div", { class: "checks", role: "group", "aria-label": "Dial-in countries" }, ...countryBoxes);
  const dialInField = h(
    "div",
    { class: "field" },
    h("span", { class: "label", id: "dial-in-label" }, "Dial-in countries"),
    dialIn,
    h("p", { class: "error", id: "dial-in-error", role: "alert" }),
  );
  const addsHint = h("p", { class: "hint" });
  const idLabel = h("span", { class: "label" }, "Meeting ID");

  const showZoneList = h("datalist", { id: "show-zone-list" });
  const showZoneChips = h("ul", { class: "chips", "aria-label": "Extra time zones" });
  const showZoneInput = h("input", {
    id: "show-zone-input",
    type: "search",
    list: "show-zone-list",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "Europe/London",
    "aria-describedby": "show-zone-input-error",
  });
  showZoneInput.addEventListener("input", () => {
    fillZones(showZoneList, catalog.time_zones, showZoneInput.value);
    model.setInputError("show_zones", null);
  });
  const addZone = () => {
    const z = showZoneInput.value.trim();
    if (z === "") return;
    const match = catalog.time_zones.find((t) => t.toLowerCase() === z.toLowerCase());
    if (!match) {
      model.setInputError("show_zones", `${z} is not a time zone; pick one from the list`);
      return;
    }
    if (!f().show_zones.includes(match)) model.update({ show_zones: [...f().show_zones, match] });
    showZoneInput.value = "";
    renderChips();
  };
  showZoneInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      addZone();
    }
  });
  showZoneInput.addEventListener("change", addZone);

  const description = h("textarea", { rows: "3" });
  description.addEventListener("input", () => model.update({ description: description.value }));

  // Preview and actions
  const textView = h("pre", { class: "invitation-text", id: "preview-text", tabindex: "0" });
  const htmlView = h("div", { class: "invitation-html", id: "preview-html", hidden: true, tabindex: "0" });
  htmlView.addEventListener("click", (e) => e.preventDefault());
  const tabText = h(
    "button",
    {
      type: "button",
      role: "tab",
      "aria-selected": "true",
      "aria-controls": "preview-text",
      onclick: () => showTab(true),
    },
    "Text",
  );
  const tabHtml = h(
    "button",
    {
      type: "button",
      role: "tab",
      "aria-selected": "false",
      "aria-controls": "preview-html",
      onclick: () => showTab(false),
    },
    "HTML",
  );
  const showTab = (text: boolean) => {
    textView.hidden = !text;
    htmlView.hidden = text;
    tabText.setAttribute("aria-selected", String(text));
    tabHtml.setAttribute("aria-selected", String(!text));
  };
  const notices = h("ul", { class: "notices", "aria-live": "polite" });
  const general = h("p", { class: "general-error", role: "alert" });

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
  const accountSelect = h("select", { id: "calendar-account", "aria-label": "Calendar account" });
  const calendarSelect = h("select", { id: "calendar-choice", "aria-label": "Calendar" });
  const addButton = h(
    "button",
    { type: "button", id: "add-to-calendar", onclick: () => void addToCalendar() },
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
  // Without a calendar account there is nothing to pick: say so, and where to add one.
  const noCalendarText = h("span", {}, "");
  const noCalendar = h(
    "p",
    { class: "entry-meta", id: "no-calendar", hidden: true },
    noCalendarText,
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
  // Rescheduling a meeting from the history: the same ID, sent to the calendars that hold it.
  let rescheduling: string | null = null;
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
  const rescheduleBar = h(
    "div",
    { class: "reschedule-bar", id: "reschedule-bar", role: "status", hidden: true },
    rescheduleText,
    h("div", { class: "actions" }, updateButton, stopButton),
  );
  accountSelect.addEventListener("change", () => void refreshCalendars());
  const openButton = h(
    "button",
    { type: "button", "aria-keyshortcuts": "Control+O", title: "Ctrl+O", onclick: () => void openIcs() },
    "Open in calendar app",
  );

  const startGroup = h(
    "div",
    { class: "field" },
    h("label", { for: "start-date", id: "start-label" }, "Start"),
    h("div", { class: "row", role: "group", "aria-labelledby": "start-label" }, startDate, startTime),
    h("p", { class: "error", id: "start-date-error", role: "alert" }),
  );
  startDate.id = "start-date";
  startTime.id = "start-time";
  startDate.setAttribute("aria-describedby", "start-date-error");

  const element = h(
    "section",
    { class: "page schedule", "aria-label": "Schedule" },
    h(
      "form",
      { class: "meeting-form", novalidate: true, onsubmit: (e: Event) => e.preventDefault() },
      field("provider", "Meeting provider", provider),
      h(
        "div",
        { class: "id-row" },
        field("kind", "Meeting type", kind),
        h(
          "div",
          { class: "field id-field" },
          idLabel,
          h("div", { class: "row" }, idText, newIdButton),
          h("p", { class: "error", id: "meeting-id-error", role: "alert" }),
        ),
      ),
      field("title", "Title", title),
      h("div", { class: "grid-2" }, startGroup, field("duration", "Duration", duration)),
      field("time-zone", "Time zone", zone),
      h("div", { class: "grid-2" }, field("repeat", "Repeat", repeat), repeatDetails),
      h(
        "div",
        { class: "field" },
        h("label", { for: "attendee-input" }, "Attendees"),
        chips,
        attendeeInput,
        addsHint,
        h("p", { class: "error", id: "attendee-input-error", role: "alert" }),
      ),
      h(
        "div",
        { class: "grid-2" },
        field("organizer", "Your email (organizer)", organizer),
        field("on-behalf-of", "On behalf of (host)", onBehalf),
      ),
      dialInField,
      h(
        "div",
        { class: "field" },
        h("label", { for: "show-zone-input" }, "Also show times in"),
        showZoneChips,
        showZoneInput,
        h("p", { class: "error", id: "show-zone-input-error", role: "alert" }),
      ),
      field("description", "Description", description),
      zoneList,
      durationList,
      showZoneList,
    ),
    h(
      "aside",
      { class: "preview-pane" },
      h(
        "div",
        { class: "preview-head" },
        h("h2", { id: "preview-heading" }, "Invitation preview"),
        h("div", { role: "tablist", "aria-label": "Preview format" }, tabText, tabHtml),
      ),
      rescheduleBar,
      general,
      notices,
      h(
        "div",
        {
          class: "preview-body",
          role: "region",
          "aria-labelledby": "preview-heading",
          "aria-label": "Invitation preview",
        },
        textView,
        htmlView,
      ),
      h("div", { class: "actions" }, copyButton, moderatorButton, saveButton, openButton),
      calendarRow,
      noCalendar,
    ),
  );
  dialIn.id = "dial-in";
  repeatOn.id = "repeat-on";

  function fillZones(list: HTMLDataListElement, zones: string[], query: string) {
    list.replaceChildren(...searchZones(zones, query, 40).map((z) => h("option", { value: z })));
  }

  function syncRepeat() {
    const r = repeat.value;
    if (r === "") {
      repeatDetails.replaceChildren();
      if (f().repeat_count || f().repeat_until || f().repeat_on.length)
        model.update({ repeat_count: "", repeat_until: "", repeat_on: [] });
      return;
    }
    const parts: HTMLElement[] = [field("repeat-ends", "Ends", endsKind)];
    if (endsKind.value === "count") parts.push(field("repeat-count", "Number of meetings", repeatCount));
    if (endsKind.value === "until") parts.push(field("repeat-until", "Last day", repeatUntil));
    if (r === "weekly") {
      parts.push(
        h(
          "div",
          { class: "field" },
          h("span", { class: "label" }, "On"),
          repeatOn,
          h("p", { class: "error", id: "repeat-on-error", role: "alert" }),
        ),
      );
    }
    repeatDetails.replaceChildren(...parts);
    if (r !== "weekly" && f().repeat_on.length) model.update({ repeat_on: [] });
  }

  function syncEnds() {
    if (endsKind.value !== "count" && f().repeat_count) model.update({ repeat_count: "" });
    if (endsKind.value !== "until" && f().repeat_until) model.update({ repeat_until: "" });
    if (endsKind.value === "count" && !f().repeat_count) {
      repeatCount.value = "6";
      model.update({ repeat_count: "6" });
    }
    syncRepeat();
  }

  function renderChips() {
    chips.replaceChildren(
      ...f().attendees.map((a) =>
        h(
          "li",
          {},
          a,
          h(
            "button",
            {
              type: "button",
              class: "chip-remove",
              "aria-label": `Remove ${a}`,
              onclick: () => {
                model.removeAttendee(a);
                renderChips();
              },
            },
            "×",
          ),
        ),
      ),
    );
    showZoneChips.replaceChildren(
      ...f().show_zones.map((z) =>
        h(
          "li",
          {},
          z,
          h(
            "button",
            {
              type: "button",
              class: "chip-remove",
              "aria-label": `Remove ${z}`,
              onclick: () => {
                model.update({ show_zones: f().show_zones.filter((x) => x !== z) });
                renderChips();
              },
            },
            "×",
          ),
        ),
      ),
    );
  }

  /** Puts the form's values into the controls (at start, and after the ID changes). */
  function fillControls() {
    const form = f();
    kind.value = form.kind;
    title.value = form.title;
    const [d = "", t = ""] = form.start.split("T");
    startDate.value = d;
    startTime.value = t.slice(0, 5);
    zone.value = form.time_zone;
    zone.placeholder = settings().time_zone || settings().system_time_zone;
    duration.value = form.duration;
    repeat.value = form.repeat;
    endsKind.value = form.repeat_until ? "until" : form.repeat_count ? "count" : form.repeat ? "never" : "count";
    repeatCount.value = form.repeat_count;
    repeatUntil.value = form.repeat_until;
    for (const b of dayBoxes) {
      const box = b.querySelector("input");
      if (box) box.checked = form.repeat_on.includes(box.value);
    }
    organizer.value = form.organizer;
    organizer.placeholder = settings().organizer || "you@example.com";
    onBehalf.value = form.on_behalf_of;
    description.value = form.description;
    const defaults = form.dial_in.length
      ? form.dial_in
      : settings().dial_in.length
        ? settings().dial_in
        : catalog.default_dial_in;
    for (const b of countryBoxes) {
      const box = b.querySelector("input");
      if (box) box.checked = defaults.includes(box.value);
    }
    syncRepeat();
    renderChips();
  }

  function render() {
    const form = f();
    const p = model.preview;
    // The provider's offer: no moderator code or personal ID where it has none.
    const chosen = offers(form.provider);
    provider.value = chosen.key;
    for (const option of Array.from(kind.options)) {
      option.disabled = chosen.fixed
        ? option.value !== "personal"
        : (option.value === "moderated" && !chosen.moderator) || (option.value === "personal" && chosen.rooms);
    }
    dialInField.hidden = !chosen.dial_in;
    addsHint.textContent = chosen.adds;
    addsHint.hidden = chosen.adds === "";
    idLabel.textContent = chosen.fixed ? "Link" : chosen.rooms ? "Room" : "Meeting ID";
    newIdButton.textContent = chosen.rooms ? "New room" : "New meeting ID";
    kind.value = form.kind;
    idText.textContent = chosen.fixed
      ? settings().personal_room
      : form.kind === "personal"
        ? settings().personal_id || "Not set: add it in Settings"
        : p && p.meeting_id === form.meeting_id
          ? p.display
          : groupId(form.meeting_id);
    newIdButton.disabled = form.kind === "personal";
    moderatorButton.hidden = form.kind !== "moderated";
    if (p) {
      if (textView.textContent !== p.text) textView.textContent = p.text;
      showInvitationHtml(htmlView, p.html);
      notices.replaceChildren(...p.notices.map((n) => h("li", {}, n)));
    }
    if (!p) textView.textContent = "The invitation appears here as soon as the meeting has a title and a start.";
    general.textContent = model.general ?? "";
    const visible = model.visibleErrors();
    for (const [fieldName, id] of Object.entries(FIELD_IDS)) {
      if (fieldName === "passcode") continue;
      setError(id, visible.get(fieldName as Field));
    }
    const passcodeError = visible.get("passcode");
    if (passcodeError) setError("kind", passcodeError);
    const ready = p !== null && model.errors.size === 0;
    for (const b of [copyButton, saveButton, openButton]) b.toggleAttribute("aria-disabled", !ready);
  }

  async function act(label: string, action: () => Promise<string | null>) {
    model.showAll = true;
    await model.refresh();
    if (model.errors.size > 0) {
      toast("Fix the fields marked in red first.", "error");
      focusFirstError();
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
            focusFirstError();
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

  function focusFirstError() {
    const first = [...model.errors.keys()][0];
    if (first) document.getElementById(FIELD_IDS[first])?.focus();
  }

  const copyInvitation = () =>
    act("Copy invitation", async () => {
      await ipc.copyInvitation(f());
      return "Invitation copied. Paste it into your calendar event.";
    });
  const copyModerator = () =>
    act("Copy moderator info", async () => {
      const seconds = await ipc.copyModeratorInfo(f().meeting_id);
      return moderatorCopied(seconds);
    });
  const saveIcs = () =>
    act("Save .ics", async () => {
      const path = await ipc.saveIcs(f());
      return path ? `Saved ${path}` : null;
    });
  const openIcs = () =>
    act("Open in calendar app", async () => {
      await ipc.openInCalendar(f());
      return "Handed to your calendar app.";
    });
  const addToCalendar = () =>
    act("Add to calendar", async () => {
      const done = await ipc.addToCalendar(f(), accountSelect.value, calendarSelect.value);
      const d = done.deliveries[0];
      if (!d) return null;
      if (d.status === "failed") throw new IpcError({ code: "remote", message: d.message, fields: [], hint: null });
      const where = `${d.account}: ${deliveryStatusText(d.status)}`;
      const emailed = done.mail.filter((m) => m.state === "sent").length;
      if (done.mail.length > 0) return `Added to ${where}. Invitations emailed: ${emailed} of ${done.mail.length}.`;
      return d.invitations_sent
        ? `Added to ${where}.`
        : `Added to ${where}. This server does not email attendees: send them the .ics.`;
    });

  async function refreshAccounts() {
    try {
      const withCalendars = (await ipc.accounts()).filter(
        (a) => a.kind === "caldav" || a.kind === "google" || a.kind === "microsoft",
      );
      const accounts = withCalendars.filter((a) => a.default_calendar !== "");
      noCalendarText.textContent =
        withCalendars.length === 0
          ? "No calendar account yet: save an .ics or copy the invitation, or add a calendar account "
          : "No calendar account has a default calendar yet: choose one ";
      accountSelect.replaceChildren(
        ...accounts.map((a) => h("option", { value: a.name }, `${a.name} (${a.identity})`)),
      );
      calendarRow.hidden = accounts.length === 0 || rescheduling !== null;
      noCalendar.hidden = accounts.length > 0 || rescheduling !== null;
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

  async function newId() {
    if (rescheduling) {
      await stopReschedule();
      return;
    }
    await model.newId();
    fillControls();
  }

  /** The UID of the meeting being changed, empty when none is. */
  let reschedulingUid = "";

  function setRescheduling(display: string | null) {
    rescheduling = display;
    rescheduleBar.hidden = display === null;
    // A meeting stays on its provider: it cannot be switched while it is being changed.
    provider.disabled = display !== null;
    calendarRow.hidden = display !== null || accountSelect.options.length === 0;
    noCalendar.hidden = display !== null || accountSelect.options.length > 0;
    rescheduleText.textContent = display
      ? `Changing meeting ${display}: "Update calendars" sends the change to every calendar that holds it, and its attendees.`
      : "";
  }

  function startReschedule(loaded: MeetingForm, display: string, uid: string) {
    reschedulingUid = uid;
    model.update({ ...loaded });
    fillControls();
    setRescheduling(display);
    void model.refresh();
  }

  async function stopReschedule() {
    reschedulingUid = "";
    setRescheduling(null);
    model.update({ meeting_id: "" });
    if (!offers(f().provider).fixed) await model.newId();
    fillControls();
  }

  const updateCalendars = () =>
    act("Update calendars", async () => {
      const done = await ipc.rescheduleMeeting(reschedulingUid, f());
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

  model.onChange(render);
  fillControls();
  render();
  void model.refresh();

  void refreshAccounts();

  return {
    element,
    model,
    refreshAccounts,
    startReschedule,
    setProviders(providers: ProviderView[]) {
      catalog.providers = providers;
      provider.replaceChildren(...providerOptions(providers));
      render();
    },
    shortcut(e: KeyboardEvent): boolean {
      if (!(e.ctrlKey || e.metaKey)) return false;
      const key = e.key.toLowerCase();
      if (key === "enter") void copyInvitation();
      else if (key === "s") void saveIcs();
      else if (key === "o") void openIcs();
      else if (key === "n") void newId();
      else if (key === "m" && f().kind === "moderated") void copyModerator();
      else return false;
      return true;
    },
  };
}

function groupId(digits: string): string {
  return digits.length === 10 ? `${digits.slice(0, 4)} ${digits.slice(4, 6)} ${digits.slice(6)}` : digits;
}
