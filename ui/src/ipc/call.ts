// How every command reaches Rust: `invoke`, with a failure turned into an `IpcError`.
import { invoke } from "@tauri-apps/api/core";

import type { AppError, Hint } from "./bindings";

/** A failed command: the Rust `AppError`, whose `code` the UI branches on. */
export class IpcError extends Error {
  readonly error: AppError;
  constructor(error: AppError) {
    super(error.message);
    this.error = error;
  }
}

/** What fixes an error, in the window's words (the CLI names its commands instead). */
export function hintText(hint: Hint): string {
  switch (hint) {
    case "add_aws_account":
      return "Add AWS credentials on the Accounts page.";
    case "choose_aws_account":
      return "Pick the AWS account to use above.";
    case "list_accounts":
      return "The Accounts page lists them.";
    case "create_aws_profile":
      return "Create it with AWS's own tool (aws configure --profile NAME), or add an access key instead.";
    case "suspend_users":
      return "Delete again with “Suspend its users first” ticked.";
    case "name_chime_user":
      return "Type their email address, or set your organizer address in Settings.";
    case "set_personal_id":
      return "Set your personal meeting ID in Settings.";
    case "set_organizer":
      return "Set your email address as the organizer in Settings.";
    default: {
      const unknown: never = hint;
      return unknown;
    }
  }
}

function toAppError(e: unknown): AppError {
  if (typeof e === "object" && e !== null && "code" in e && "message" in e) {
    const err = e as AppError;
    const hint = err.hint ?? null;
    // The window says what fixes it right after what went wrong.
    const stop = /[.?!]$/.test(err.message) ? "" : ".";
    const message = hint ? `${err.message}${stop} ${hintText(hint)}` : err.message;
    return { code: err.code, message, fields: err.fields ?? [], hint };
  }
  return { code: "internal", message: String(e), fields: [], hint: null };
}

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw new IpcError(toAppError(e));
  }
}
