// The meeting provider, the meeting type and the meeting ID (or room, or fixed link).
import type { Catalog, MeetingForm, MeetingKind, Preview, ProviderView, SettingsView } from "../ipc";
import { field, h, providerOptions } from "../dom";
import type { ScheduleModel } from "../model";

/** What provider `key` offers; a form that names no provider (an older draft) is on the default one. */
export function offerOf(catalog: Catalog, settings: () => SettingsView, key: string): ProviderView {
  return catalog.providers.find((p) => p.key === (key || settings().provider)) ?? catalog.providers[0];
}

export interface MeetingFields {
  /** The provider's field, then the row of the meeting type and ID. */
  elements: HTMLElement[];
  /** Puts the form's meeting type into its picker. */
  fill(form: MeetingForm): void;
  /** Shows what `chosen`, the form's provider, offers and the ID the meeting has. */
  render(form: MeetingForm, preview: Preview | null, chosen: ProviderView): void;
  setProviders(providers: ProviderView[]): void;
  /** A meeting stays on its provider: it cannot be switched while it is being changed. */
  lockProvider(locked: boolean): void;
}

export function meetingFields(
  model: ScheduleModel,
  settings: () => SettingsView,
  providers: ProviderView[],
  offers: (key: string) => ProviderView,
  newId: () => Promise<void>,
): MeetingFields {
  const provider = h(
    "select",
    {
      onchange: (e: Event) => {
        const key = (e.target as HTMLSelectElement).value;
        void model.setProvider(key, offers(key));
      },
    },
    ...providerOptions(providers),
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
  const idLabel = h("span", { class: "label" }, "Meeting ID");
  const elements = [
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
  ];

  return {
    elements,
    fill(form) {
      kind.value = form.kind;
    },
    render(form, p, chosen) {
      // The provider's offer: no moderator code or personal ID where it has none.
      provider.value = chosen.key;
      for (const option of Array.from(kind.options)) {
        option.disabled = chosen.fixed
          ? option.value !== "personal"
          : (option.value === "moderated" && !chosen.moderator) || (option.value === "personal" && chosen.rooms);
      }
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
    },
    setProviders(next) {
      provider.replaceChildren(...providerOptions(next));
    },
    lockProvider(locked) {
      provider.disabled = locked;
    },
  };
}

function groupId(digits: string): string {
  return digits.length === 10 ? `${digits.slice(0, 4)} ${digits.slice(4, 6)} ${digits.slice(6)}` : digits;
}
