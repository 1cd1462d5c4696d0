// A typed-in control of the Schedule form.
import { h } from "../dom";

/** An input that hands every value typed into it to `on`. */
export function input(attrs: Record<string, string>, on: (v: string) => void): HTMLInputElement {
  return h("input", { ...attrs, oninput: (e: Event) => on((e.target as HTMLInputElement).value) });
}
