// The Schedule window's state and rules, without the DOM: testable with a fake IPC.
import type {
  AppError,
  DeliveryStatus,
  Field,
  InvitationSender,
  MeetingForm,
  MeetingKind,
  NewMeetingView,
  Preview,
} from "./ipc/bindings";

/** What the model needs from Rust. */
export interface ScheduleIpc {
  preview(form: MeetingForm): Promise<Preview>;
  saveDraft(form: MeetingForm): Promise<void>;
  newMeetingId(moderated: boolean, provider: string): Promise<NewMeetingView>;
}

/** Turns a thrown value into an AppError (IpcError carries one). */
export function appErrorOf(e: unknown): AppError {
  if (typeof e === "object" && e !== null && "error" in e) {
    return (e as { error: AppError }).error;
  }
  return { code: "internal", message: String(e), fields: [], hint: null };
}

/** What the window says after copying moderator info that Belfry clears again. */
export function moderatorCopied(seconds: number): string {
  return `Moderator info copied. Share it with moderators only; Belfry clears it from the clipboard in ${seconds} seconds.`;
}

export function emptyForm(): MeetingForm {
  return {
    provider: "",
    kind: "one_time",
    meeting_id: "",
    passcode: "",
    title: "",
    start: "",
    time_zone: "",
    duration: "1h",
    repeat: "",
    repeat_count: "",
    repeat_until: "",
    repeat_on: [],
    attendees: [],
    organizer: "",
    on_behalf_of: "",
    description: "",
    dial_in: [],
    show_zones: [],
  };
}

/** How a delivery stands, as the window says it. */
export function deliveryStatusText(status: DeliveryStatus): string {
  switch (status) {
    case "created":
      return "created";
    case "updated":
      return "updated";
    case "already there":
      return "already there";
    case "cancelled":
      return "cancelled";
    case "nothing to cancel":
      return "nothing to cancel";
    case "newer on the calendar":
      return "newer on the calendar";
    case "pending":
      return "will be added when the server answers";
    case "failed":
      return "failed";
    default: {
      const unknown: never = status;
      return unknown;
    }
  }
}

/** A quick check as an address is typed; Rust checks again, authoritatively. */
export function checkEmail(text: string): string | null {
  const t = text.trim();
  if (t === "") return "type an email address";
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  if (/[\s\u0000-\u001f\u007f]/.test(t)) return `${t} contains a space or control character`;
  const at = t.lastIndexOf("@");
  if (at <= 0) return `${t} has no @: write it as name@example.com`;
  const domain = t.slice(at + 1);
  if (!/^[^.@]+(\.[^.@]+)+$/.test(domain)) return `${t} has no valid domain after the @ (like example.com)`;
  if (t.length > 254) return `${t} is longer than 254 characters`;
  if (at > 64) return `${t} has more than 64 characters before the @`;
  return null;
}

/** Splits typed text into addresses (comma, semicolon, space or newline separated). */
export function splitAddresses(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Zones whose name contains every word of `query` (case-insensitive), best matches first. */
export function searchZones(zones: string[], query: string, limit = 50): string[] {
  const words = query
    .toLowerCase()
    .replace(/[_/]/g, " ")
    .split(/\s+/)
    .filter((w) => w !== "");
  if (words.length === 0) return zones.slice(0, limit);
  const scored: [number, string][] = [];
  for (const z of zones) {
    const name = z.toLowerCase().replace(/[_/]/g, " ");
    if (words.every((w) => name.includes(w))) {
      const city = name.split(" ").pop() ?? name;
      scored.push([city.startsWith(words[0] ?? "") ? 0 : 1, z]);
    }
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return scored.slice(0, limit).map(([, z]) => z);
}

export type Listener = () => void;

/** The name of the page's timing marks from a change of the form to its preview on screen. */
export const KEYSTROKE_MEASURE = "belfry:keystroke-to-preview";
/** The name of the page's timing marks of a preview's request to Rust and its answer. */
export const PREVIEW_MEASURE = "belfry:preview-ipc";
/** The most changes (and timing marks) kept waiting. */
const MAX_UNSHOWN = 1000;

/**
 * The Schedule form: every edit refreshes the preview at once (one request at a time; a late
 * answer never overwrites a newer one) and saves the draft (debounced). Errors are kept per
 * field; the last good preview stays on screen while the form is being fixed.
 */

export class ScheduleModel {
  form: MeetingForm;
  preview: Preview | null = null;
  errors = new Map<Field, string>();
  general: string | null = null;
  /** Fields the user has changed; errors of untouched fields wait until `showAll`. */
  touched = new Set<string>();
  /** Set once the user tried an action: every error shows from then on. */
  showAll = false;
  /** Problems with what is still in an input (an address, a zone name), found here rather
   * than by Rust, so a later preview does not clear them. */
  inputErrors = new Map<Field, string>();
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** A preview request is on its way; `stale`: the form changed since it was sent. */
  private previewing = false;
  private stale = false;
  /** The form's version: one more with every change. */
  private version = 0;
  /** When each change not shown in a preview yet was made, for the page's timing marks. */
  private unshown: { version: number; at: number }[] = [];
  private listeners: Listener[] = [];

  constructor(
    private readonly ipc: ScheduleIpc,
    form: MeetingForm,
    private readonly saveDelayMs = 150,
  ) {
    this.form = form;
  }

  onChange(l: Listener): void {
    this.listeners.push(l);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  /** Changes fields; the draft and the preview follow. */
  update(patch: Partial<MeetingForm>): void {
    this.form = { ...this.form, ...patch };
    this.version += 1;
    if (this.unshown.length < MAX_UNSHOWN) this.unshown.push({ version: this.version, at: performance.now() });
    for (const key of Object.keys(patch)) {
      this.errors.delete(key as Field);
      this.touched.add(key);
    }
    this.schedule();
  }

  private schedule(): void {
    this.requestPreview();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.saveDraft();
    }, this.saveDelayMs);
  }

  /** Previews the form now, one request at a time: the changes made while one is on its way
   * are previewed together as soon as it answers. */
  private requestPreview(): void {
    if (this.previewing) {
      this.stale = true;
      return;
    }
    void this.showPreview();
  }

  private async showPreview(): Promise<void> {
    this.previewing = true;
    const seq = ++this.seq;
    const version = this.version;
    const answer = await this.ask(this.form).finally(() => (this.previewing = false));
    if (this.stale) {
      // The form changed meanwhile: preview what it is now instead.
      this.stale = false;
      return this.showPreview();
    }
    if (seq === this.seq) this.show(answer, version);
  }

  /** Rust's preview of `form`, or its refusal; the round trip is marked {@link PREVIEW_MEASURE}. */
  private async ask(form: MeetingForm): Promise<{ preview: Preview } | { error: AppError }> {
    const asked = performance.now();
    try {
      const preview = await this.ipc.preview(form);
      performance.measure(PREVIEW_MEASURE, { start: asked, end: performance.now() });
      return { preview };
    } catch (e) {
      return { error: appErrorOf(e) };
    }
  }

  /** Puts an answer on the page: the preview, or the errors (the last good preview stays). */
  private show(answer: { preview: Preview } | { error: AppError }, version: number): void {
    if ("preview" in answer) {
      this.preview = answer.preview;
      this.errors.clear();
      this.general = null;
      this.emit();
    } else {
      this.applyError(answer.error);
    }
    this.markShown(version);
  }

  /** Saves the draft; a failure is said as the general message. */
  private async saveDraft(form: MeetingForm = this.form): Promise<void> {
    try {
      await this.ipc.saveDraft(form);
    } catch (e) {
      this.general = `Your draft could not be saved: ${appErrorOf(e).message}`;
      this.emit();
    }
  }

  /** Saves the draft and renders the preview now. */
  async refresh(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const seq = ++this.seq;
    const form = this.form;
    const version = this.version;
    await this.saveDraft(form);
    const answer = await this.ask(form);
    if (seq === this.seq) this.show(answer, version);
  }

  /** Marks, for every change up to `version`, the time from the change to the first frame
   * that shows its preview: `performance.measure` entries named {@link KEYSTROKE_MEASURE}
   * (bench/keystroke.py reads them). */
  private markShown(version: number): void {
    const shown = this.unshown.filter((c) => c.version <= version);
    if (shown.length === 0) return;
    this.unshown = this.unshown.filter((c) => c.version > version);
    if (typeof requestAnimationFrame !== "function") return;
    requestAnimationFrame(() => {
      const end = performance.now();
      if (performance.getEntriesByName(KEYSTROKE_MEASURE).length > MAX_UNSHOWN)
        performance.clearMeasures(KEYSTROKE_MEASURE);
      for (const c of shown) performance.measure(KEYSTROKE_MEASURE, { start: c.at, end });
    });
  }

  /** Shows an error: next to its fields when it names them, else as a general message. */
  applyError(error: AppError): void {
    this.errors.clear();
    this.general = null;
    if (error.fields.length > 0) {
      for (const f of error.fields) if (!this.errors.has(f.field)) this.errors.set(f.field, f.message);
    } else {
      this.general = error.message;
    }
    this.emit();
  }

  /** The errors to show now: those of touched fields, or all after an action was tried. */
  visibleErrors(): Map<Field, string> {
    const shown = this.showAll
      ? new Map(this.errors)
      : new Map([...this.errors].filter(([f]) => this.touched.has(f) || f === "kind" || f === "meeting_id"));
    for (const [f, m] of this.inputErrors) shown.set(f, m);
    return shown;
  }

  /** Notes (or, with `null`, clears) a problem with what is still in an input. */
  setInputError(field: Field, message: string | null): void {
    const had = this.inputErrors.get(field) ?? null;
    if (message === null) this.inputErrors.delete(field);
    else this.inputErrors.set(field, message);
    if (had !== message) this.emit();
  }

  /** Adds typed addresses; returns what could not be added (to stay in the input). */
  addAttendees(text: string): string {
    const rejected: string[] = [];
    const list = [...this.form.attendees];
    let firstError: string | null = null;
    for (const address of splitAddresses(text)) {
      const problem = checkEmail(address);
      if (problem !== null) {
        rejected.push(address);
        firstError ??= problem;
      } else if (!list.some((a) => a.toLowerCase() === address.toLowerCase())) {
        list.push(address);
      }
    }
    this.update({ attendees: list });
    this.setInputError("attendees", firstError);
    return rejected.join(", ");
  }

  removeAttendee(address: string): void {
    this.update({ attendees: this.form.attendees.filter((a) => a !== address) });
  }

  /** Switches the meeting type. A fresh ID is drawn when the new type needs one. */
  async setKind(kind: MeetingKind): Promise<void> {
    const before = this.form.kind;
    if (kind === before) return;
    if (kind === "personal") {
      this.update({ kind, meeting_id: "", passcode: "" });
      return;
    }
    // A passcode cannot be added to (or removed from) an existing ID: draw a new one.
    if (kind === "moderated" || before === "moderated" || this.form.meeting_id === "") {
      await this.newId(kind);
    } else {
      this.update({ kind });
    }
  }

  /**
   * Switches the meeting provider. A meeting's identifier is its provider's (10 digits or a
   * room name), so a fresh one is drawn; a type the provider does not offer becomes one-time.
   */
  async setProvider(provider: string, offers: { moderator: boolean; rooms: boolean; fixed: boolean }): Promise<void> {
    if (provider === this.form.provider) return;
    let kind = this.form.kind;
    if ((kind === "moderated" && !offers.moderator) || (kind === "personal" && offers.rooms)) kind = "one_time";
    // A fixed link is the same for every meeting: each is a personal one.
    if (offers.fixed) kind = "personal";
    // Dial-in countries are the provider's own: the new one starts from its defaults.
    this.update({ provider, kind, meeting_id: "", passcode: "", dial_in: [] });
    if (kind !== "personal") await this.newId(kind);
  }

  /** Draws a fresh ID for the current (or given) type. */
  async newId(kind: MeetingKind = this.form.kind): Promise<void> {
    if (kind === "personal") kind = "one_time";
    try {
      const made = await this.ipc.newMeetingId(kind === "moderated", this.form.provider);
      this.update({ kind, meeting_id: made.meeting_id, passcode: "" });
    } catch (e) {
      this.applyError(appErrorOf(e));
    }
  }
}

/** Who tells the attendees of a meeting put on a calendar, in words. */
export function senderText(by: InvitationSender): string {
  switch (by) {
    case "provider":
      return "the calendar service emails the attendees.";
    case "server":
      return "the calendar server emails the attendees; any it says it cannot reach, Belfry emails from your mail account if you have one.";
    case "belfry-by-mail":
      return "Belfry emails the attendees from your mail account.";
    case "nobody":
      return "nobody emails the attendees. Send them the .ics, or add an outgoing mail account on the Accounts page.";
    default: {
      const unknown: never = by;
      return unknown;
    }
  }
}
