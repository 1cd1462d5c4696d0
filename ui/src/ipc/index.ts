// The only module that talks to Rust. Everything else imports from here.
import { listen } from "@tauri-apps/api/event";

import type { BulkProgress } from "./bindings";
import { commands } from "./commands";

export type * from "./bindings";
export { IpcError } from "./call";

/** Belfry's commands, typed (generated from the Rust functions), and its events. */
export const ipc = {
  ...commands,
  onSecondLaunch: (handler: () => void) => listen("belfry://second-launch", handler),
  onOutbox: (handler: () => void) => listen("belfry://outbox", handler),
  /** A `belfry://` link was opened: `takeLink` has it. */
  onLink: (handler: () => void) => listen("belfry://link", handler),
  /** The tray's "New meeting". */
  onNewMeeting: (handler: () => void) => listen("belfry://new-meeting", handler),
  /** The history gained a meeting outside the page (the tray's fresh invitation). */
  onHistory: (handler: () => void) => listen("belfry://history", handler),
  onBulkProgress: (handler: (p: BulkProgress) => void) =>
    listen<BulkProgress>("belfry://bulk-progress", (e) => handler(e.payload)),
};

export type Ipc = typeof ipc;
