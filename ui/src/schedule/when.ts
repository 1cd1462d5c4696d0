// When the meeting is: its start (a date and a time), its duration and its time zone.
import type { Catalog, MeetingForm, SettingsView } from "../ipc";
import { field, h } from "../dom";
import type { ScheduleModel } from "../model";
import { input } from "./input";
import { fillZones } from "./zones";

const DURATIONS = ["15m", "30m", "45m", "1h", "1h30m", "2h", "3h"];

export interface WhenFields {
  /** The start and the duration, side by side. */
  startAndDuration: HTMLElement;
  timeZone: HTMLElement;
  /** The suggestions of the time zone and of the duration, in that order. */
  lists: HTMLDataListElement[];
  fill(form: MeetingForm): void;
}

export function whenFields(model: ScheduleModel, catalog: Catalog, settings: () => SettingsView): WhenFields {
  // Text fields, not date and time inputs: WebKitGTK's skip them on Tab, leaving keyboard
  // users no way to the start.
  const startDate = input(
    { type: "text", inputmode: "numeric", placeholder: "YYYY-MM-DD", maxlength: "10", autocomplete: "off" },
    () => updateStart(),
  );
  const startTime = input(
    {
      type: "text",
      inputmode: "numeric",
      placeholder: "HH:MM",
      maxlength: "5",
      autocomplete: "off",
      "aria-label": "Start time",
    },
    () => updateStart(),
  );
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

  return {
    startAndDuration: h("div", { class: "grid-2" }, startGroup, field("duration", "Duration", duration)),
    timeZone: field("time-zone", "Time zone", zone),
    lists: [zoneList, durationList],
    fill(form) {
      const [d = "", t = ""] = form.start.split("T");
      startDate.value = d;
      startTime.value = t.slice(0, 5);
      zone.value = form.time_zone;
      zone.placeholder = settings().time_zone || settings().system_time_zone;
      duration.value = form.duration;
    },
  };
}
