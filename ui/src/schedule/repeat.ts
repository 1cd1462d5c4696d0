// How the meeting repeats: the rule, when it ends, and (weekly) the days it is on.
import type { MeetingForm } from "../ipc";
import { field, h } from "../dom";
import type { ScheduleModel } from "../model";
import { input } from "./input";

const WEEKDAYS: [string, string][] = [
  ["mon", "Mon"],
  ["tue", "Tue"],
  ["wed", "Wed"],
  ["thu", "Thu"],
  ["fri", "Fri"],
  ["sat", "Sat"],
  ["sun", "Sun"],
];

export interface RepeatFields {
  /** The rule and, next to it, the details it asks for. */
  element: HTMLElement;
  /** Puts the form's rule, end and days into the controls (`sync` then shows those it needs). */
  fill(form: MeetingForm): void;
  /** Shows the details the chosen rule needs, and clears from the form those it has not. */
  sync(): void;
}

export function repeatFields(model: ScheduleModel): RepeatFields {
  const f = () => model.form;
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
  const repeatUntil = input(
    { type: "text", inputmode: "numeric", placeholder: "YYYY-MM-DD", maxlength: "10", autocomplete: "off" },
    (v) => model.update({ repeat_until: v }),
  );
  const days = weekdayBoxes(model);
  const repeatDetails = h("div", { class: "repeat-details" });

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
          days.element,
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

  return {
    element: h("div", { class: "grid-2" }, field("repeat", "Repeat", repeat), repeatDetails),
    fill(form) {
      repeat.value = form.repeat;
      endsKind.value = form.repeat_until ? "until" : form.repeat_count ? "count" : form.repeat ? "never" : "count";
      repeatCount.value = form.repeat_count;
      repeatUntil.value = form.repeat_until;
      days.fill(form.repeat_on);
    },
    sync: syncRepeat,
  };
}

/** The days of the week a weekly meeting is on, one checkbox each. */
function weekdayBoxes(model: ScheduleModel): { element: HTMLElement; fill(on: string[]): void } {
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
  repeatOn.id = "repeat-on";
  return {
    element: repeatOn,
    fill(on) {
      for (const b of dayBoxes) {
        const box = b.querySelector("input");
        if (box) box.checked = on.includes(box.value);
      }
    },
  };
}
