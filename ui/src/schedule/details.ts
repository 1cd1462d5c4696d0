// The typed-in details of the meeting: its title, who organizes it (and for whom), its description.
import type { MeetingForm, SettingsView } from "../ipc";
import { field, h } from "../dom";
import type { ScheduleModel } from "../model";
import { input } from "./input";

export interface DetailFields {
  title: HTMLElement;
  /** The organizer and the host, side by side. */
  people: HTMLElement;
  description: HTMLElement;
  fill(form: MeetingForm): void;
}

export function detailFields(model: ScheduleModel, settings: () => SettingsView): DetailFields {
  const title = input({ type: "text", autocomplete: "off", placeholder: "Physics 101" }, (v) =>
    model.update({ title: v }),
  );
  const organizer = input({ type: "email", autocomplete: "email", spellcheck: "false" }, (v) =>
    model.update({ organizer: v }),
  );
  const onBehalf = input(
    { type: "email", autocomplete: "off", spellcheck: "false", placeholder: "Only when you schedule for someone else" },
    (v) => model.update({ on_behalf_of: v }),
  );
  const description = h("textarea", { rows: "3" });
  description.addEventListener("input", () => model.update({ description: description.value }));

  return {
    title: field("title", "Title", title),
    people: h(
      "div",
      { class: "grid-2" },
      field("organizer", "Your email (organizer)", organizer),
      field("on-behalf-of", "On behalf of (host)", onBehalf),
    ),
    description: field("description", "Description", description),
    fill(form) {
      title.value = form.title;
      organizer.value = form.organizer;
      organizer.placeholder = settings().organizer || "you@example.com";
      onBehalf.value = form.on_behalf_of;
      description.value = form.description;
    },
  };
}
