// A list of removable chips: one item each, with a button that removes it.
import { h } from "../dom";

/** Shows `items` in `list`, each with a "×" button that calls `remove` with it. */
export function renderChipList(list: HTMLUListElement, items: string[], remove: (item: string) => void): void {
  list.replaceChildren(
    ...items.map((item) =>
      h(
        "li",
        {},
        item,
        h(
          "button",
          {
            type: "button",
            class: "chip-remove",
            "aria-label": `Remove ${item}`,
            onclick: () => remove(item),
          },
          "×",
        ),
      ),
    ),
  );
}
