// A tiny DOM builder. Text always goes in as text nodes: nothing typed becomes markup.
type Attrs = Record<string, string | boolean | number | EventListener | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

/** The options of a meeting-provider picker, one per profile. */
export function providerOptions(providers: { key: string; name: string }[]): HTMLOptionElement[] {
  return providers.map((p) => h("option", { value: p.key }, p.name));
}

/** A labelled field: the visible label is the control's accessible name. */
export function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  control.id = id;
  control.setAttribute("aria-describedby", `${id}-error`);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint ? h("p", { class: "hint" }, hint) : null,
    h("p", { class: "error", id: `${id}-error`, role: "alert", "aria-live": "polite" }),
  );
}

/** Sets (or clears) the error shown under field `id`. */
export function setError(id: string, message: string | undefined): void {
  const el = document.getElementById(`${id}-error`);
  const control = document.getElementById(id);
  if (el) el.textContent = message ?? "";
  if (control) control.toggleAttribute("aria-invalid", Boolean(message));
}

let toastTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * Runs an async `handler` on each `type` event of `el`; whatever it leaves unhandled is shown
 * as an error rather than lost.
 */
export function onAsync<K extends keyof HTMLElementEventMap>(
  el: HTMLElement,
  type: K,
  handler: (e: HTMLElementEventMap[K]) => Promise<void>,
): void {
  el.addEventListener(type, (e) => {
    handler(e).catch((err: unknown) => toast(err instanceof Error ? err.message : String(err), "error"));
  });
}

/** A short status message at the bottom of the window. */
export function toast(message: string, kind: "ok" | "error" = "ok"): void {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.className = `toast show ${kind}`;
  if (toastTimer !== null) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.className = "toast";
  }, 3500);
}

/** Shows Rust-escaped invitation HTML; links never navigate the window. */
export function showInvitationHtml(container: HTMLElement, html: string): void {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const allowed = new Set(["DIV", "P", "BR", "A"]);
  const clean = (node: Node): Node | null => {
    if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.textContent ?? "");
    if (!(node instanceof Element) || !allowed.has(node.tagName)) return null;
    const copy = document.createElement(node.tagName.toLowerCase());
    if (node.tagName === "A") {
      const href = node.getAttribute("href") ?? "";
      if (href.startsWith("https://")) copy.setAttribute("title", href);
      copy.setAttribute("role", "link");
    }
    for (const child of Array.from(node.childNodes)) {
      const c = clean(child);
      if (c) copy.append(c);
    }
    return copy;
  };
  const nodes = Array.from(doc.body.childNodes)
    .map(clean)
    .filter((n): n is Node => n !== null);
  container.replaceChildren(...nodes);
}

/**
 * Asks before a change: a modal dialog with the consequences spelled out. Resolves true only
 * when the confirm button is pressed (Escape and Cancel say no). `extra` (a checkbox, say) sits
 * above the buttons.
 */
export function confirmDialog(
  title: string,
  body: string,
  confirmLabel: string,
  extra?: HTMLElement,
): Promise<boolean> {
  return new Promise((resolve) => {
    const yes = h("button", { type: "button", class: "primary danger", id: "confirm-yes" }, confirmLabel);
    const no = h("button", { type: "button", id: "confirm-no" }, "Cancel");
    const dialog = h(
      "dialog",
      { class: "confirm", id: "confirm-dialog", "aria-labelledby": "confirm-title" },
      h("h2", { id: "confirm-title" }, title),
      h("p", {}, body),
      extra ?? null,
      h("div", { class: "actions" }, no, yes),
    );
    const done = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    yes.addEventListener("click", () => done(true));
    no.addEventListener("click", () => done(false));
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}
