// The countries whose dial-in numbers the invitation lists, one checkbox each.
import type { Catalog, MeetingForm, SettingsView } from "../ipc";
import { h } from "../dom";
import type { ScheduleModel } from "../model";

export interface DialInField {
  element: HTMLElement;
  /** Ticks the form's countries, else those of the settings, else the catalog's defaults. */
  fill(form: MeetingForm): void;
  /** Shows the field only for a provider that has dial-in numbers. */
  setAvailable(available: boolean): void;
}

export function dialInField(model: ScheduleModel, catalog: Catalog, settings: () => SettingsView): DialInField {
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
  const element = h(
    "div",
    { class: "field" },
    h("span", { class: "label", id: "dial-in-label" }, "Dial-in countries"),
    dialIn,
    h("p", { class: "error", id: "dial-in-error", role: "alert" }),
  );
  dialIn.id = "dial-in";

  return {
    element,
    fill(form) {
      const defaults = form.dial_in.length
        ? form.dial_in
        : settings().dial_in.length
          ? settings().dial_in
          : catalog.default_dial_in;
      for (const b of countryBoxes) {
        const box = b.querySelector("input");
        if (box) box.checked = defaults.includes(box.value);
      }
    },
    setAvailable(available) {
      element.hidden = !available;
    },
  };
}
