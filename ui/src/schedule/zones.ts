// The extra time zones the invitation also shows its times in, as chips.
import type { Catalog } from "../ipc";
import { h } from "../dom";
import { searchZones } from "../model";
import type { ScheduleModel } from "../model";
import { renderChipList } from "./chips";

/** Suggests in `list` the (at most 40) zones that match `query`. */
export function fillZones(list: HTMLDataListElement, zones: string[], query: string): void {
  list.replaceChildren(...searchZones(zones, query, 40).map((z) => h("option", { value: z })));
}

export interface ZonesField {
  element: HTMLElement;
  /** The suggestions of the zone input (it goes with the form's other lists). */
  list: HTMLDataListElement;
  /** Shows the form's extra zones as chips. */
  render(): void;
}

/** `onChange` runs after the zones change, to show the chips again. */
export function zonesField(model: ScheduleModel, catalog: Catalog, onChange: () => void): ZonesField {
  const f = () => model.form;
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
    onChange();
  };
  showZoneInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      addZone();
    }
  });
  showZoneInput.addEventListener("change", addZone);

  return {
    element: h(
      "div",
      { class: "field" },
      h("label", { for: "show-zone-input" }, "Also show times in"),
      showZoneChips,
      showZoneInput,
      h("p", { class: "error", id: "show-zone-input-error", role: "alert" }),
    ),
    list: showZoneList,
    render() {
      renderChipList(showZoneChips, f().show_zones, (z) => {
        model.update({ show_zones: f().show_zones.filter((x) => x !== z) });
        onChange();
      });
    },
  };
}
