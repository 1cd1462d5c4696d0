// The preview pane: the invitation as text or HTML (two tabs), its notices and the page's error.
import type { Preview } from "../ipc";
import { h, showInvitationHtml } from "../dom";

export interface PreviewPane {
  element: HTMLElement;
  /** Shows the invitation (or what it still needs) and the general error, if any. */
  render(preview: Preview | null, general: string | null): void;
}

/** `status` sits above the invitation (the reschedule bar), `below` under it (the actions). */
export function previewPane(status: HTMLElement, below: HTMLElement[]): PreviewPane {
  const textView = h("pre", { class: "invitation-text", id: "preview-text", tabindex: "0" });
  const htmlView = h("div", { class: "invitation-html", id: "preview-html", hidden: true, tabindex: "0" });
  htmlView.addEventListener("click", (e) => e.preventDefault());
  const tabText = h(
    "button",
    {
      type: "button",
      role: "tab",
      "aria-selected": "true",
      "aria-controls": "preview-text",
      onclick: () => showTab(true),
    },
    "Text",
  );
  const tabHtml = h(
    "button",
    {
      type: "button",
      role: "tab",
      "aria-selected": "false",
      "aria-controls": "preview-html",
      onclick: () => showTab(false),
    },
    "HTML",
  );
  const showTab = (text: boolean) => {
    textView.hidden = !text;
    htmlView.hidden = text;
    tabText.setAttribute("aria-selected", String(text));
    tabHtml.setAttribute("aria-selected", String(!text));
  };
  const notices = h("ul", { class: "notices", "aria-live": "polite" });
  const general = h("p", { class: "general-error", role: "alert" });

  const element = h(
    "aside",
    { class: "preview-pane" },
    h(
      "div",
      { class: "preview-head" },
      h("h2", { id: "preview-heading" }, "Invitation preview"),
      h("div", { role: "tablist", "aria-label": "Preview format" }, tabText, tabHtml),
    ),
    status,
    general,
    notices,
    h(
      "div",
      {
        class: "preview-body",
        role: "region",
        "aria-labelledby": "preview-heading",
        "aria-label": "Invitation preview",
      },
      textView,
      htmlView,
    ),
    ...below,
  );

  return {
    element,
    render(p, generalError) {
      if (p) {
        if (textView.textContent !== p.text) textView.textContent = p.text;
        showInvitationHtml(htmlView, p.html);
        notices.replaceChildren(...p.notices.map((n) => h("li", {}, n)));
      }
      if (!p) textView.textContent = "The invitation appears here as soon as the meeting has a title and a start.";
      general.textContent = generalError ?? "";
    },
  };
}
