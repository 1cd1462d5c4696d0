// The About page, with the provider's service status.
import type { Catalog } from "./ipc";
import { h } from "./dom";

export function aboutPage(catalog: Catalog): HTMLElement {
  const shortcuts: [string, string][] = [
    ["Ctrl+Enter", "Copy invitation"],
    ["Ctrl+M", "Copy moderator info"],
    ["Ctrl+S", "Save .ics"],
    ["Ctrl+O", "Open in calendar app"],
    ["Ctrl+N", "New meeting ID"],
  ];
  return h(
    "section",
    { class: "page about", "aria-label": "About" },
    h("h2", {}, `Belfry ${catalog.version}`),
    h(
      "p",
      {},
      `Belfry schedules ${catalog.provider} meetings: meeting IDs, moderator passcodes, invitations and calendar files.`,
    ),
    h(
      "div",
      { class: "notice", role: "note", id: "service-status" },
      h("h3", {}, `About ${catalog.provider}`),
      h("p", {}, catalog.service_status),
    ),
    h("h3", {}, "Keyboard shortcuts"),
    h("dl", { class: "shortcuts" }, ...shortcuts.flatMap(([k, v]) => [h("dt", {}, h("kbd", {}, k)), h("dd", {}, v)])),
    h(
      "p",
      { class: "hint" },
      "Moderator passcodes are kept in your system keyring, never in Belfry's files or in this window.",
    ),
  );
}
