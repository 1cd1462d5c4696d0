// The attendees: an address input that turns what is typed into chips.
import { h } from "../dom";
import type { ScheduleModel } from "../model";
import { renderChipList } from "./chips";

export interface AttendeesField {
  element: HTMLElement;
  /** Shows the form's attendees as chips. */
  render(): void;
  /** Says whom the provider adds to every meeting (nothing when it adds no one). */
  showAdds(adds: string): void;
}

/** `onChange` runs after the attendees change, to show the chips again. */
export function attendeesField(model: ScheduleModel, onChange: () => void): AttendeesField {
  const f = () => model.form;
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
    onChange();
  };
  attendeeInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === "," || e.key === ";") {
      e.preventDefault();
      addTyped();
    } else if (e.key === "Backspace" && attendeeInput.value === "" && f().attendees.length > 0) {
      model.removeAttendee(f().attendees[f().attendees.length - 1] ?? "");
      onChange();
    }
  });
  attendeeInput.addEventListener("blur", addTyped);
  attendeeInput.addEventListener("input", () => model.setInputError("attendees", null));
  attendeeInput.addEventListener("paste", () => setTimeout(addTyped, 0));
  const addsHint = h("p", { class: "hint" });

  return {
    element: h(
      "div",
      { class: "field" },
      h("label", { for: "attendee-input" }, "Attendees"),
      chips,
      attendeeInput,
      addsHint,
      h("p", { class: "error", id: "attendee-input-error", role: "alert" }),
    ),
    render() {
      renderChipList(chips, f().attendees, (a) => {
        model.removeAttendee(a);
        onChange();
      });
    },
    showAdds(adds) {
      addsHint.textContent = adds;
      addsHint.hidden = adds === "";
    },
  };
}
